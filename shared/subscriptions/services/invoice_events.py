"""Invoice webhooks of subscriptions: paid (recovery), payment failed (past due, a reminder), and
the mail-only events.

Invoices name their subscription under `parent.subscription_details` (API 2026-10-28: no
top-level `subscription`); an invoice of another subscription than the tracked one changes
nothing; an invoice of a subscription whose provider cannot be found yet is retried (5xx),
never acknowledged.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from shared.kernel.store import Transaction
from shared.notifications.services.outbox import queue_mail
from shared.payments.services.stripe_webhook import EventHandler, RetryLater, StripeEvent
from shared.subscriptions.adapters import subscription_repository as repository
from shared.subscriptions.domain.subscription import Subscription
from shared.subscriptions.services.event_rules import provider_of, ts

log = logging.getLogger(__name__)


def invoice_subscription(invoice: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """The subscription an invoice bills and its metadata, from `parent.subscription_details`."""
    parent = invoice.get("parent") or {}
    details = (parent.get("subscription_details") or {}) if parent.get("type") == "subscription_details" else {}
    subscription = details.get("subscription")
    if isinstance(subscription, dict):  # expanded
        subscription = subscription.get("id")
    return (subscription if isinstance(subscription, str) and subscription else None), details.get("metadata") or {}


def tracked_invoice(tx: Transaction, event: StripeEvent) -> Subscription | None:
    """The provider and document an invoice event is for; None when it concerns no tracked
    subscription (not a subscription's invoice, or another subscription than the tracked one)."""
    invoice = event["data"]["object"]
    subscription_id, metadata = invoice_subscription(invoice)
    if subscription_id is None:
        log.info("%s %s is not a subscription's invoice: ignored", event["type"], invoice.get("id"))
        return None
    provider_id = provider_of(tx, metadata, subscription_id, invoice.get("customer"))
    if provider_id is None:
        raise RetryLater(f"invoice {invoice.get('id')}: subscription {subscription_id} has no known provider yet")
    current = repository.load(tx, provider_id)
    if not current.exists or current.stripe_subscription_id != subscription_id:
        log.info("%s of %s ignored: %s tracks another subscription", event["type"], subscription_id, provider_id)
        return None
    return current


def on_invoice_paid(tx: Transaction, event: StripeEvent, now: datetime) -> None:
    """Payment recovered or renewal paid: active, access back; after dunning the quota restarts."""
    subscription = tracked_invoice(tx, event)
    if subscription is None or subscription.is_stale(event.get("created")):
        return
    subscription.event_applied(event.get("created"), now)
    subscription.invoice_paid()
    repository.save(tx, subscription)


def on_invoice_payment_failed(tx: Transaction, event: StripeEvent, now: datetime) -> None:
    """past_due keeps AI access for the grace period; a reminder is queued."""
    invoice = event["data"]["object"]
    subscription = tracked_invoice(tx, event)
    if subscription is None or subscription.is_stale(event.get("created")):
        return
    subscription.event_applied(event.get("created"), now)
    # The grace runs from Stripe's time of the first failure, not from when we heard of it.
    subscription.payment_failed(ts(event.get("created")) or now)
    repository.save(tx, subscription)
    queue_mail(
        tx,
        f"payment_failed_{invoice.get('id')}",
        to_uid=subscription.provider_id,
        template="subscription_payment_failed",
        data={"invoiceId": invoice.get("id")},
        now=now,
    )


def mail_only(template: str) -> EventHandler:
    def handle(tx: Transaction, event: StripeEvent, now: datetime) -> None:
        obj = event["data"]["object"]
        if obj.get("object") == "invoice":
            found = tracked_invoice(tx, event)
            provider_id = found.provider_id if found is not None else None
        else:
            provider_id = provider_of(tx, obj.get("metadata") or {}, obj.get("id"), obj.get("customer"))
        if provider_id is not None:
            queue_mail(
                tx,
                f"{template}_{event['id']}",
                to_uid=provider_id,
                template=template,
                data={"stripeObjectId": obj.get("id")},
                now=now,
            )

    return handle
