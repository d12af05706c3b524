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

from shared.kernel.store import Document, Transaction
from shared.payments.services.stripe_webhook import EventHandler, RetryLater, StripeEvent
from shared.subscriptions.domain.plans import PLANS, BillingPeriod
from shared.subscriptions.domain.subscription import HOLDING_STATUSES, SubscriptionStatus, ai_access_enabled, is_live
from shared.subscriptions.ports.billing import BillingGateway
from shared.subscriptions.services.event_rules import (
    CUSTOMER_INDEX,
    SUBSCRIPTION_INDEX,
    is_stale,
    provider_of,
    recovery,
    ts,
)
from shared.subscriptions.services.invoice_events import mail_only, on_invoice_paid, on_invoice_payment_failed

log = logging.getLogger(__name__)


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
    live = is_live(stripe_sub.get("status"))
    if (current or {}).get("status") in HOLDING_STATUSES:
        return newer and live
    return newer or live


def on_subscription_changed(tx: Transaction, event: StripeEvent, now: datetime) -> None:
    stripe_sub = event["data"]["object"]
    metadata = stripe_sub.get("metadata") or {}
    provider_id = provider_of(tx, metadata, stripe_sub.get("id"), stripe_sub.get("customer"))
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
    if is_stale(current, event) or (_ended(current, stripe_sub) and event["type"] != "customer.subscription.deleted"):
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
        fields["pastDueSince"] = ts(event.get("created")) or now
    fields.update(recovery(current, fields["status"], fields["currentPeriodStart"]))
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
    "customer.subscription.trial_will_end": mail_only("subscription_trial_will_end"),
    "invoice.paid": on_invoice_paid,
    "invoice.payment_failed": on_invoice_payment_failed,
    "invoice.payment_action_required": mail_only("subscription_payment_action_required"),
    "checkout.session.completed": on_checkout_completed,
}
