"""Changes to a live subscription: plan/period change, cancel at period end, reactivate,
the Billing Portal link, and the server-side trial (once per provider).

Stripe is the source of truth for paid subscriptions: these calls ask Stripe for the change
and the webhook writes the resulting state into `subscriptions/{providerId}`. Each request has
its own idempotency key (subscription_request_keys: the client's `requestId`, else a counter on
the subscription document; a new one after an outage), and Stripe's answer must be what was
asked (else ABORTED).
"""

from __future__ import annotations

from typing import Any

from shared.kernel.clock import Clock
from shared.kernel.commands import Caller, require_caller
from shared.kernel.errors import Aborted, FailedPrecondition
from shared.kernel.idempotency import call_with_key
from shared.kernel.store import DocumentStore, Transaction
from shared.subscriptions.adapters import subscription_repository as repository
from shared.subscriptions.domain.settings import SubscriptionSettings
from shared.subscriptions.ports.billing import BillingGateway
from shared.subscriptions.services.checkout import (
    SubscriptionCheckoutCommand,
    plan_of_kind,
    plan_price,
    provider_profile,
    purchase_metadata,
)
from shared.subscriptions.services.request_keys import RequestIdCommand as RequestIdCommand  # re-exported
from shared.subscriptions.services.request_keys import request_key


def _live(store: DocumentStore, uid: str) -> dict[str, Any]:
    current = repository.load(store, uid)
    if not current.is_paid:
        raise FailedPrecondition("no active paid subscription: subscribe first")
    return current.to_document()


class PlanChangeCommand(SubscriptionCheckoutCommand, RequestIdCommand):
    pass


def change_subscription_plan(
    cmd: PlanChangeCommand,
    caller: Caller | None,
    *,
    store: DocumentStore,
    billing: BillingGateway,
    clock: Clock,
) -> dict[str, Any]:
    """Upgrade/downgrade or monthly<->yearly, prorated by Stripe."""
    uid = require_caller(caller).uid
    kind, _, chosen = plan_of_kind(store, uid, cmd.planId)
    current = _live(store, uid)
    if str(current.get("currency") or "").upper() not in ("", cmd.currency.value.upper()):
        # Stripe cannot change a subscription's currency: refuse before asking it.
        raise FailedPrecondition(
            f"currency: this subscription is billed in {current['currency']}; "
            "cancel it and subscribe again to pay in another currency",
            field="currency",
        )
    price = plan_price(store, billing, cmd)
    subscription = billing.retrieve_subscription(current["stripeSubscriptionId"])
    if subscription.price.id == price.id:
        raise FailedPrecondition("planId: this is already your plan")
    base = request_key(store, uid, f"change:{subscription.id}:{price.id}", cmd.requestId)
    metadata = purchase_metadata(uid, kind, chosen.plan_id, price)
    changed = call_with_key(store, base, lambda key: billing.change_price(subscription, price.id, metadata, key))
    if changed.subscription.price.id != price.id:
        raise Aborted(f"Stripe answered with price {changed.subscription.price.id}, not the plan asked for; retry")
    return {
        "subscriptionId": changed.subscription.id,
        "planId": chosen.plan_id,
        # What Stripe charged at once for the prorated change; `amount` is the new plan's price.
        "amountDueNow": changed.invoiced_now.minor,
        "amount": price.amount.minor,
        "currency": price.amount.currency.value.upper(),
        "interval": price.period.interval,
        "billingPeriod": price.period.value,
    }


def set_cancellation(
    caller: Caller | None,
    cancel: bool,
    *,
    store: DocumentStore,
    billing: BillingGateway,
    clock: Clock,
    request: RequestIdCommand | None = None,
) -> dict[str, Any]:
    """cancelSubscription (cancel=True) keeps access until the period ends; reactivate undoes it.
    Whether a cancellation is pending is asked of Stripe: its webhook may not have landed yet."""
    uid = require_caller(caller).uid
    provider_profile(store, uid)
    current = _live(store, uid)
    subscription_id = str(current["stripeSubscriptionId"])
    if not cancel and not billing.retrieve_subscription(subscription_id).cancel_at_period_end:
        raise FailedPrecondition("no pending cancellation to undo")
    action = "cancel" if cancel else "reactivate"
    base = request_key(store, uid, f"{action}:{subscription_id}", (request or RequestIdCommand()).requestId)
    changed = call_with_key(store, base, lambda key: billing.set_cancel_at_period_end(subscription_id, cancel, key))
    if changed.cancel_at_period_end is not cancel:
        raise Aborted(f"Stripe answered cancel_at_period_end={changed.cancel_at_period_end} to a {action}; retry")
    period_end = current.get("currentPeriodEnd")
    return {
        "subscriptionId": changed.id,
        "cancelAtPeriodEnd": changed.cancel_at_period_end,
        "accessUntil": period_end.isoformat() if period_end is not None else None,
    }


def billing_portal_link(
    caller: Caller | None, return_url: str, *, store: DocumentStore, billing: BillingGateway
) -> str:
    uid = require_caller(caller).uid
    provider_profile(store, uid)
    customer = repository.customer_of(store, uid)
    if customer is None:
        raise FailedPrecondition("no billing account yet: subscribe first")
    return billing.create_portal_session(customer, return_url)


def start_trial(caller: Caller | None, *, store: DocumentStore, clock: Clock) -> dict[str, Any]:
    """A free trial, granted only by the server and only once per provider."""
    uid = require_caller(caller).uid
    kind, _ = provider_profile(store, uid)
    settings = SubscriptionSettings.from_document(store.get(SubscriptionSettings.PATH))
    now = clock.now()

    def apply(tx: Transaction) -> dict[str, Any]:
        used = repository.trial_used(tx, uid)
        subscription = repository.load(tx, uid)
        if used:
            raise FailedPrecondition("the free trial was already used")
        subscription.start_trial(kind.value, days=settings.trial_days, ai_calls=settings.trial_ai_calls, now=now)
        ends = subscription.get("trialEndsAt")
        repository.record_trial(tx, uid, now, ends)
        repository.save(tx, subscription)
        return {"status": subscription.status, "trialEndsAt": ends.isoformat(), "aiCallsLimit": settings.trial_ai_calls}

    return store.run_transaction(apply)
