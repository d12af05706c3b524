"""createSubscriptionCheckout: a Stripe Checkout Session for a provider's plan.

The provider is looked up in `sos_profiles`, then `users`, then `providers` (seed 004, I4);
`billingPeriod` is required (I1) and the yearly Price is used for yearly; the response states
the amount and interval of the Stripe Price itself, i.e. what will be charged (I2); metadata
carries providerId, planId, providerType, billingPeriod and currency (backend bug 3).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, field_validator

from shared.domain.errors import FailedPrecondition, PermissionDenied
from shared.domain.money import Currency
from shared.domain.subscription import SubscriptionStatus
from shared.domain.subscription_plans import BillingPeriod, ProviderType, plan
from shared.ports.billing import BillingGateway, CheckoutRequest
from shared.ports.clock import Clock
from shared.ports.store import DocumentStore
from shared.services.commands import Caller, require_caller
from shared.services.plan_sync import price_field
from shared.services.stripe_customers import ensure_customer

LIVE = frozenset(
    {SubscriptionStatus.ACTIVE.value, SubscriptionStatus.TRIALING.value, SubscriptionStatus.PAST_DUE.value}
)


class SubscriptionCheckoutCommand(BaseModel):
    planId: str
    currency: Currency
    billingPeriod: BillingPeriod

    @field_validator("planId", mode="before")
    @classmethod
    def _plan(cls, value: object) -> str:
        return plan(value).plan_id

    @field_validator("currency", mode="before")
    @classmethod
    def _currency(cls, value: object) -> Currency:
        return Currency.parse(value)

    @field_validator("billingPeriod", mode="before")
    @classmethod
    def _period(cls, value: object) -> BillingPeriod:
        return BillingPeriod.parse(value)


def provider_profile(store: DocumentStore, uid: str) -> tuple[ProviderType, dict[str, Any]]:
    for collection in ("sos_profiles", "users", "providers"):
        doc = store.get(f"{collection}/{uid}")
        kind = ProviderType.of_profile((doc or {}).get("type") or (doc or {}).get("role"))
        if doc is not None and kind is not None:
            return kind, doc
    raise PermissionDenied("subscriptions are for lawyers and expat helpers")


def create_subscription_checkout(
    cmd: SubscriptionCheckoutCommand,
    caller: Caller | None,
    *,
    store: DocumentStore,
    billing: BillingGateway,
    clock: Clock,
    return_url: str,
) -> dict[str, Any]:
    uid = require_caller(caller).uid
    kind, profile = provider_profile(store, uid)
    chosen = plan(cmd.planId)
    if chosen.provider_type is not kind:
        raise PermissionDenied(f"planId: a {kind.value} can only take {kind.value} plans", field="planId")
    current = store.get(f"subscriptions/{uid}") or {}
    if current.get("status") in LIVE:
        raise FailedPrecondition("you already have a subscription: change its plan instead (changeSubscriptionPlan)")
    price_id = (store.get(f"subscription_plans/{chosen.plan_id}") or {}).get(
        price_field(cmd.currency, cmd.billingPeriod)
    )
    price = billing.retrieve_price(price_id) if isinstance(price_id, str) else None
    if price is None or not price.active:
        raise FailedPrecondition("planId: this plan is not available for sale yet (plans not synced to Stripe)")
    customer_id = ensure_customer(uid, profile.get("email"), store=store, billing=billing, clock=clock)
    metadata = {
        "providerId": uid,
        "planId": chosen.plan_id,
        "providerType": kind.value,
        "billingPeriod": price.period.value,
        "currency": price.amount.currency.value,
    }
    session = billing.create_checkout_session(
        CheckoutRequest(
            customer_id=customer_id,
            price_id=price.id,
            metadata=metadata,
            success_url=f"{return_url}?checkout=success",
            cancel_url=f"{return_url}?checkout=cancelled",
            idempotency_key=f"checkout:{uid}:{price.id}:{clock.now():%Y%m%d%H}",
        )
    )
    return {
        "sessionId": session.id,
        "url": session.url,
        "amount": price.amount.minor,
        "currency": price.amount.currency.value,
        "interval": price.period.interval,
        "billingPeriod": price.period.value,
    }
