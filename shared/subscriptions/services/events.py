"""Subscription state from Stripe webhooks (`subscriptions/{providerId}`), newest event wins.

Every field that depends on the plan or the price (tier, billingPeriod, limits, amount,
period dates) is recomputed from the Stripe object on every event, so an upgrade from
monthly to yearly can never leave a stale `billingPeriod` (seed 004, I5). An event older
than the last one applied to the document changes nothing.

The document tracks one Stripe subscription. An event of another subscription of the same
provider (an abandoned `incomplete` one expiring, a second one) takes over only when that
subscription is live and newer than the tracked one, or when the tracked one is not live.
Invoice events: subscription_invoice_events; what both share: subscription_event_rules.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from shared.kernel.store import Transaction
from shared.payments.services.stripe_webhook import EventHandler, RetryLater, StripeEvent
from shared.subscriptions.adapters import subscription_repository as repository
from shared.subscriptions.domain.plans import PLANS, BillingPeriod
from shared.subscriptions.domain.subscription import Subscription, SubscriptionStatus, ai_access_enabled
from shared.subscriptions.ports.billing import BillingGateway
from shared.subscriptions.services.event_rules import provider_of, ts
from shared.subscriptions.services.invoice_events import mail_only, on_invoice_paid, on_invoice_payment_failed

log = logging.getLogger(__name__)


def subscription_fields(stripe_sub: dict[str, Any], subscription: Subscription) -> dict[str, Any]:
    """The document fields derived from a Stripe subscription object."""
    current = subscription.stored
    item = ((stripe_sub.get("items") or {}).get("data") or [{}])[0]
    price = item.get("price") or {}
    metadata = stripe_sub.get("metadata") or {}
    plan_id = metadata.get("planId") or (current or {}).get("planId")
    plan = PLANS.get(str(plan_id))
    status = subscription.status_at_stripe(stripe_sub.get("status"))
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
        "currentPeriodStart": ts(item.get("current_period_start")),
        "currentPeriodEnd": ts(item.get("current_period_end")),
        "cancelAtPeriodEnd": bool(stripe_sub.get("cancel_at_period_end")),
        "canceledAt": ts(stripe_sub.get("canceled_at")),
        # A server trial carried into the plan keeps its start; its end is Stripe's trial_end.
        "trialStartedAt": (current or {}).get("trialStartedAt") or ts(stripe_sub.get("trial_start")),
        "trialEndsAt": ts(stripe_sub.get("trial_end")) or (current or {}).get("trialEndsAt"),
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


def on_subscription_changed(tx: Transaction, event: StripeEvent, now: datetime) -> None:
    stripe_sub = event["data"]["object"]
    metadata = stripe_sub.get("metadata") or {}
    stripe_id = stripe_sub.get("id")
    provider_id = provider_of(tx, metadata, stripe_id, stripe_sub.get("customer"))
    if provider_id is None:
        raise RetryLater(f"subscription {stripe_id} has no known provider yet")
    subscription = repository.load(tx, provider_id)
    if not subscription.takes_over(stripe_id, stripe_sub.get("status"), stripe_sub.get("created")):
        log.info(
            "%s of %s ignored: %s tracks %s",
            event["type"],
            stripe_id,
            provider_id,
            subscription.stripe_subscription_id,
        )
        repository.index_subscription(tx, stripe_id, provider_id)
        return
    deleted = event["type"] == "customer.subscription.deleted"
    if subscription.is_stale(event.get("created")) or (subscription.has_ended(stripe_id) and not deleted):
        log.info("stale %s for %s ignored", event["type"], provider_id)
        return
    delivered = event["data"].get("delivered_object") or stripe_sub
    # Known past due at the event's time (a re-fetched state may be newer than its event: then
    # invoice.payment_failed dates the failure).
    past_due_at = (ts(event.get("created")) or now) if delivered.get("status") == "past_due" else None
    subscription.mirror_stripe(
        subscription_fields(stripe_sub, subscription),
        deleted=deleted,
        past_due_at=past_due_at,
        event_created=event.get("created"),
        now=now,
    )
    repository.save(tx, subscription)
    repository.index_subscription(tx, stripe_id, provider_id)


def on_checkout_completed(tx: Transaction, event: StripeEvent, now: datetime) -> None:
    """Remember which provider the new customer and subscription belong to."""
    session = event["data"]["object"]
    provider_id = (session.get("metadata") or {}).get("providerId")
    if not isinstance(provider_id, str) or not provider_id:
        return
    if session.get("customer"):
        repository.index_customer(tx, session["customer"], provider_id)
    if session.get("subscription"):
        repository.index_subscription(tx, session["subscription"], provider_id)


SUBSCRIPTION_HANDLERS: dict[str, EventHandler] = {
    "customer.subscription.created": on_subscription_changed,
    "customer.subscription.updated": on_subscription_changed,
    "customer.subscription.deleted": on_subscription_changed,
    "customer.subscription.paused": on_subscription_changed,
    "customer.subscription.resumed": on_subscription_changed,
    "customer.subscription.trial_will_end": mail_only("subscription_trial_will_end"),
    "invoice.paid": on_invoice_paid,
    "invoice.payment_failed": on_invoice_payment_failed,
    "invoice.payment_action_required": mail_only("subscription_payment_action_required"),
    "checkout.session.completed": on_checkout_completed,
}
