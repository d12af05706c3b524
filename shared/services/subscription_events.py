"""Subscription state from Stripe webhooks (`subscriptions/{providerId}`), newest event wins.

Every field that depends on the plan or the price (tier, billingPeriod, limits, amount,
period dates) is recomputed from the Stripe object on every event, so an upgrade from
monthly to yearly can never leave a stale `billingPeriod` (seed 004, I5). An event older
than the last one applied to the document changes nothing.

The document tracks one Stripe subscription. An event of another subscription of the same
provider (an abandoned `incomplete` one expiring, a second one) takes over only when that
subscription is live and newer than the tracked one, or when the tracked one is not live; an
invoice of another subscription changes nothing. Invoices name their subscription under
`parent.subscription_details` (API 2026-10-28: no top-level `subscription`); an invoice of a
subscription whose provider cannot be found yet is retried (5xx), never acknowledged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from shared.domain.subscription import SubscriptionStatus, ai_access_enabled
from shared.domain.subscription_plans import PLANS, BillingPeriod
from shared.ports.billing import BillingGateway
from shared.ports.store import Document, Transaction
from shared.services.notifications import queue_mail
from shared.services.stripe_webhook import EventHandler, RetryLater, StripeEvent

log = logging.getLogger(__name__)

SUBSCRIPTION_INDEX = "stripe_subscription_index"
RECOVERING = ("past_due", "suspended", "incomplete")
CUSTOMER_INDEX = "stripe_customers"
# A Stripe subscription that gives AI access; and the document states that hold on to one.
LIVE_AT_STRIPE = frozenset({"active", "trialing", "past_due"})
HOLDING = frozenset(
    {
        SubscriptionStatus.ACTIVE.value,
        SubscriptionStatus.TRIALING.value,
        SubscriptionStatus.PAST_DUE.value,
        SubscriptionStatus.SUSPENDED.value,
    }
)


def _ts(value: object) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if isinstance(value, int) else None


def _provider_of(tx: Transaction, metadata: dict[str, Any], subscription_id: object, customer: object) -> str | None:
    """metadata first, then the indexes written when the customer/subscription was created."""
    provider_id = metadata.get("providerId")
    if isinstance(provider_id, str) and provider_id:
        return provider_id
    for collection, key in ((SUBSCRIPTION_INDEX, subscription_id), (CUSTOMER_INDEX, customer)):
        if not isinstance(key, str) or not key:
            continue
        index = tx.get(f"{collection}/{key}")
        if index and isinstance(index.get("providerId"), str):
            return str(index["providerId"])
    return None


def _is_stale(current: Document | None, event: StripeEvent) -> bool:
    last = (current or {}).get("lastStripeEventCreated")
    created = event.get("created")
    return isinstance(last, int) and isinstance(created, int) and created < last


def subscription_fields(stripe_sub: dict[str, Any], current: Document | None) -> dict[str, Any]:
    """The document fields derived from a Stripe subscription object."""
    item = ((stripe_sub.get("items") or {}).get("data") or [{}])[0]
    price = item.get("price") or {}
    metadata = stripe_sub.get("metadata") or {}
    plan_id = metadata.get("planId") or (current or {}).get("planId")
    plan = PLANS.get(str(plan_id))
    status = SubscriptionStatus.of_stripe(stripe_sub.get("status"))
    if status is SubscriptionStatus.PAST_DUE and (current or {}).get("status") == SubscriptionStatus.SUSPENDED.value:
        status = SubscriptionStatus.SUSPENDED  # our dunning suspended it; Stripe still says past_due
    fields: dict[str, Any] = {
        "planId": plan_id,
        "tier": plan.tier.value if plan else (current or {}).get("tier"),
        "providerType": plan.provider_type.value if plan else metadata.get("providerType"),
        "billingPeriod": BillingPeriod.of_interval((price.get("recurring") or {}).get("interval")).value,
        "currency": str(price.get("currency") or metadata.get("currency") or "").upper(),
        "currentPeriodAmount": price.get("unit_amount"),
        "stripeCustomerId": stripe_sub.get("customer"),
        "stripeSubscriptionId": stripe_sub.get("id"),
        "stripeSubscriptionCreated": stripe_sub.get("created"),
        "stripePriceId": price.get("id"),
        "status": status.value,
        "aiAccessEnabled": ai_access_enabled(status),
        "aiCallsLimit": plan.ai_calls_limit if plan else 0,
        # API 2026-10-28: the period is the item's (a subscription has no top-level period).
        "currentPeriodStart": _ts(item.get("current_period_start")),
        "currentPeriodEnd": _ts(item.get("current_period_end")),
        "cancelAtPeriodEnd": bool(stripe_sub.get("cancel_at_period_end")),
        "canceledAt": _ts(stripe_sub.get("canceled_at")),
        # A server trial carried into the plan keeps its start; its end is Stripe's trial_end.
        "trialStartedAt": (current or {}).get("trialStartedAt") or _ts(stripe_sub.get("trial_start")),
        "trialEndsAt": _ts(stripe_sub.get("trial_end")) or (current or {}).get("trialEndsAt"),
    }
    if status is not SubscriptionStatus.PAST_DUE:
        fields["pastDueSince"] = None
    return fields


REFRESHED = frozenset(
    {
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
        "customer.subscription.paused",
        "customer.subscription.resumed",
    }
)


def subscription_refresher(billing: BillingGateway) -> Callable[[StripeEvent], StripeEvent]:
    """Subscription events are applied with the subscription as Stripe has it now (the dj-stripe
    way): two events of the same second, in either order, end in Stripe's current state, which
    the events' one-second `created` cannot tell apart."""

    def refresh(event: StripeEvent) -> StripeEvent:
        if event.get("type") not in REFRESHED:
            return event
        current = billing.subscription_object(str(event["data"]["object"].get("id")))
        if current is None:
            return event
        return {**event, "data": {**event["data"], "object": current, "delivered_object": event["data"]["object"]}}

    return refresh


def _ended(current: Document | None, stripe_sub: dict[str, Any]) -> bool:
    """A cancelled Stripe subscription is final: nothing brings that subscription id back."""
    return (
        current is not None
        and current.get("stripeSubscriptionId") == stripe_sub.get("id")
        and current.get("status") == SubscriptionStatus.CANCELLED.value
    )


def _created(value: object) -> int:
    return value if isinstance(value, int) else 0


def takes_over(current: Document | None, stripe_sub: dict[str, Any]) -> bool:
    """May an event of `stripe_sub` write the document? Always for the tracked subscription (or
    when none is tracked); for another one, only when it is newer and live, or, when the tracked
    one no longer holds (incomplete, cancelled), when it is live or newer."""
    tracked = (current or {}).get("stripeSubscriptionId")
    if not tracked or tracked == stripe_sub.get("id"):
        return True
    newer = _created(stripe_sub.get("created")) > _created((current or {}).get("stripeSubscriptionCreated"))
    live = stripe_sub.get("status") in LIVE_AT_STRIPE
    if (current or {}).get("status") in HOLDING:
        return newer and live
    return newer or live


def on_subscription_changed(tx: Transaction, event: StripeEvent, now: datetime) -> None:
    stripe_sub = event["data"]["object"]
    metadata = stripe_sub.get("metadata") or {}
    provider_id = _provider_of(tx, metadata, stripe_sub.get("id"), stripe_sub.get("customer"))
    if provider_id is None:
        raise RetryLater(f"subscription {stripe_sub.get('id')} has no known provider yet")
    path = f"subscriptions/{provider_id}"
    current = tx.get(path)
    if not takes_over(current, stripe_sub):
        log.info(
            "%s of %s ignored: %s tracks %s",
            event["type"],
            stripe_sub.get("id"),
            provider_id,
            (current or {}).get("stripeSubscriptionId"),
        )
        tx.set(f"{SUBSCRIPTION_INDEX}/{stripe_sub.get('id')}", {"providerId": provider_id})
        return
    if _is_stale(current, event) or (_ended(current, stripe_sub) and event["type"] != "customer.subscription.deleted"):
        log.info("stale %s for %s ignored", event["type"], provider_id)
        return
    fields = subscription_fields(stripe_sub, current)
    if event["type"] == "customer.subscription.deleted":
        fields.update({"status": SubscriptionStatus.CANCELLED.value, "aiAccessEnabled": False})
    delivered = event["data"].get("delivered_object") or stripe_sub
    if (
        fields["status"] == SubscriptionStatus.PAST_DUE.value
        and not (current or {}).get("pastDueSince")
        and delivered.get("status") == "past_due"
    ):
        # Known past due at the event's time (a re-fetched state may be newer than its event:
        # then invoice.payment_failed dates the failure).
        fields["pastDueSince"] = _ts(event.get("created")) or now
    fields.update(_recovery(current, fields["status"], fields["currentPeriodStart"]))
    doc = {
        **fields,
        "providerId": provider_id,
        "lastStripeEventCreated": event.get("created"),
        "updatedAt": now,
    }
    if current is None:
        doc.update({"createdAt": now, "currentPeriodCalls": 0})
    tx.set(path, doc, merge=True)
    tx.set(f"{SUBSCRIPTION_INDEX}/{stripe_sub.get('id')}", {"providerId": provider_id})


def invoice_subscription(invoice: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """The subscription an invoice bills and its metadata, from `parent.subscription_details`."""
    parent = invoice.get("parent") or {}
    details = (parent.get("subscription_details") or {}) if parent.get("type") == "subscription_details" else {}
    subscription = details.get("subscription")
    if isinstance(subscription, dict):  # expanded
        subscription = subscription.get("id")
    return (subscription if isinstance(subscription, str) and subscription else None), details.get("metadata") or {}


def _invoice_subscription(tx: Transaction, event: StripeEvent) -> tuple[str, Document] | None:
    """The provider and document an invoice event is for; None when it concerns no tracked
    subscription (not a subscription's invoice, or another subscription than the tracked one)."""
    invoice = event["data"]["object"]
    subscription_id, metadata = invoice_subscription(invoice)
    if subscription_id is None:
        log.info("%s %s is not a subscription's invoice: ignored", event["type"], invoice.get("id"))
        return None
    provider_id = _provider_of(tx, metadata, subscription_id, invoice.get("customer"))
    if provider_id is None:
        raise RetryLater(f"invoice {invoice.get('id')}: subscription {subscription_id} has no known provider yet")
    current = tx.get(f"subscriptions/{provider_id}")
    if current is None or current.get("stripeSubscriptionId") != subscription_id:
        log.info("%s of %s ignored: %s tracks another subscription", event["type"], subscription_id, provider_id)
        return None
    return provider_id, current


def on_invoice_paid(tx: Transaction, event: StripeEvent, now: datetime) -> None:
    """Payment recovered or renewal paid: active, access back; after dunning the quota restarts."""
    found = _invoice_subscription(tx, event)
    if found is None or _is_stale(found[1], event):
        return
    provider_id, current = found
    update: dict[str, Any] = {"updatedAt": now, "lastStripeEventCreated": event.get("created")}
    recovered = _recovery(current, SubscriptionStatus.ACTIVE.value, current.get("currentPeriodStart"))
    if recovered:
        update.update({"status": SubscriptionStatus.ACTIVE.value, "aiAccessEnabled": True, **recovered})
    tx.set(f"subscriptions/{provider_id}", update, merge=True)


def _recovery(current: Document | None, status: str, period_start: object) -> dict[str, Any]:
    """Paid again after dunning (or a first payment): the quota restarts, whichever event — the
    invoice's or the subscription's — tells us first (seed 004 I7: the counter is currentPeriodCalls)."""
    if (current or {}).get("status") not in RECOVERING or status != SubscriptionStatus.ACTIVE.value:
        return {}
    return {"pastDueSince": None, "currentPeriodCalls": 0, "usagePeriodStart": period_start}


def on_invoice_payment_failed(tx: Transaction, event: StripeEvent, now: datetime) -> None:
    """past_due keeps AI access for the grace period; a reminder is queued."""
    invoice = event["data"]["object"]
    found = _invoice_subscription(tx, event)
    if found is None or _is_stale(found[1], event):
        return
    provider_id, current = found
    update: dict[str, Any] = {"updatedAt": now, "lastStripeEventCreated": event.get("created")}
    if current.get("status") in ("active", "trialing", "past_due"):
        update.update({"status": SubscriptionStatus.PAST_DUE.value, "aiAccessEnabled": True})
        # The grace runs from Stripe's time of the first failure, not from when we heard of it.
        update["pastDueSince"] = current.get("pastDueSince") or _ts(event.get("created")) or now
    tx.set(f"subscriptions/{provider_id}", update, merge=True)
    queue_mail(
        tx,
        f"payment_failed_{invoice.get('id')}",
        to_uid=provider_id,
        template="subscription_payment_failed",
        data={"invoiceId": invoice.get("id")},
        now=now,
    )


def _mail_only(template: str) -> EventHandler:
    def handle(tx: Transaction, event: StripeEvent, now: datetime) -> None:
        obj = event["data"]["object"]
        if obj.get("object") == "invoice":
            found = _invoice_subscription(tx, event)
            provider_id = found[0] if found is not None else None
        else:
            provider_id = _provider_of(tx, obj.get("metadata") or {}, obj.get("id"), obj.get("customer"))
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


def on_checkout_completed(tx: Transaction, event: StripeEvent, now: datetime) -> None:
    """Remember which provider the new customer and subscription belong to."""
    session = event["data"]["object"]
    provider_id = (session.get("metadata") or {}).get("providerId")
    if not isinstance(provider_id, str) or not provider_id:
        return
    if session.get("customer"):
        tx.set(f"{CUSTOMER_INDEX}/{session['customer']}", {"providerId": provider_id})
    if session.get("subscription"):
        tx.set(f"{SUBSCRIPTION_INDEX}/{session['subscription']}", {"providerId": provider_id})


SUBSCRIPTION_HANDLERS: dict[str, EventHandler] = {
    "customer.subscription.created": on_subscription_changed,
    "customer.subscription.updated": on_subscription_changed,
    "customer.subscription.deleted": on_subscription_changed,
    "customer.subscription.paused": on_subscription_changed,
    "customer.subscription.resumed": on_subscription_changed,
    "customer.subscription.trial_will_end": _mail_only("subscription_trial_will_end"),
    "invoice.paid": on_invoice_paid,
    "invoice.payment_failed": on_invoice_payment_failed,
    "invoice.payment_action_required": _mail_only("subscription_payment_action_required"),
    "checkout.session.completed": on_checkout_completed,
}
