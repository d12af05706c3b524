"""createSubscriptionCheckout: a Stripe Checkout Session for a provider's plan.

The provider is looked up in `sos_profiles`, then `users`, then `providers` (seed 004, I4);
`billingPeriod` is required (I1) and the yearly Price is used for yearly; the response states
the amount and interval of the Stripe Price itself, i.e. what will be charged (I2); metadata
carries providerId, planId, providerType, billingPeriod and currency (backend bug 3).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, field_validator

from shared.domain.errors import FailedPrecondition, PermissionDenied
from shared.domain.money import Currency
from shared.domain.subscription import SubscriptionStatus, server_trial, trial_carried_into_plan
from shared.domain.subscription_plans import BillingPeriod, Plan, ProviderType, plan
from shared.ports.billing import BillingGateway, CheckoutRequest, RecurringPrice
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


def plan_of_kind(store: DocumentStore, uid: str, plan_id: str) -> tuple[ProviderType, dict[str, Any], Plan]:
    """The provider's kind and profile, and the plan, which must be one of that kind's."""
    kind, profile = provider_profile(store, uid)
    chosen = plan(plan_id)
    if chosen.provider_type is not kind:
        raise PermissionDenied(f"planId: a {kind.value} can only take {kind.value} plans", field="planId")
    return kind, profile, chosen


@dataclass(frozen=True)
class Purchase:
    provider_id: str
    customer_id: str
    price: RecurringPrice
    metadata: dict[str, str]
    trial_end: datetime | None = None  # a running server trial carried into the plan

    def terms(self) -> dict[str, Any]:
        """What will actually be charged, and from when: the Stripe Price's own amount and
        interval; `firstChargeAt` is the end of a carried trial (None: charged at once)."""
        return {
            "amount": self.price.amount.minor,
            "currency": self.price.amount.currency.value.upper(),  # as in subscriptions/{id} (seed 004 §6.1)
            "interval": self.price.period.interval,
            "billingPeriod": self.price.period.value,
            "firstChargeAt": self.trial_end.isoformat() if self.trial_end else None,
        }


def plan_price(store: DocumentStore, billing: BillingGateway, cmd: SubscriptionCheckoutCommand) -> RecurringPrice:
    price_id = (store.get(f"subscription_plans/{cmd.planId}") or {}).get(price_field(cmd.currency, cmd.billingPeriod))
    price = billing.retrieve_price(price_id) if isinstance(price_id, str) else None
    if price is None or not price.active:
        raise FailedPrecondition("planId: this plan is not available for sale yet (plans not synced to Stripe)")
    return price


def purchase_metadata(provider_id: str, kind: ProviderType, plan_id: str, price: RecurringPrice) -> dict[str, str]:
    return {
        "providerId": provider_id,
        "planId": plan_id,
        "providerType": kind.value,
        "billingPeriod": price.period.value,
        "currency": price.amount.currency.value.upper(),
    }


def prepare_purchase(
    cmd: SubscriptionCheckoutCommand,
    caller: Caller | None,
    *,
    store: DocumentStore,
    billing: BillingGateway,
    clock: Clock,
) -> Purchase:
    """The checks shared by Checkout and Elements: provider, plan kind, no live paid
    subscription (a running server trial may be turned into a plan: it carries its end)."""
    uid = require_caller(caller).uid
    kind, profile, chosen = plan_of_kind(store, uid, cmd.planId)
    current = store.get(f"subscriptions/{uid}") or {}
    if current.get("status") in LIVE and not server_trial(current):
        raise FailedPrecondition("you already have a subscription: change its plan instead (changeSubscriptionPlan)")
    price = plan_price(store, billing, cmd)
    customer_id = ensure_customer(uid, profile.get("email"), store=store, billing=billing, clock=clock)
    metadata = purchase_metadata(uid, kind, chosen.plan_id, price)
    return Purchase(uid, customer_id, price, metadata, trial_carried_into_plan(current, clock.now()))


def create_subscription_checkout(
    cmd: SubscriptionCheckoutCommand,
    caller: Caller | None,
    *,
    store: DocumentStore,
    billing: BillingGateway,
    clock: Clock,
    return_url: str,
) -> dict[str, Any]:
    purchase = prepare_purchase(cmd, caller, store=store, billing=billing, clock=clock)
    session = billing.create_checkout_session(
        CheckoutRequest(
            customer_id=purchase.customer_id,
            price_id=purchase.price.id,
            metadata=purchase.metadata,
            success_url=f"{return_url}?checkout=success",
            cancel_url=f"{return_url}?checkout=cancelled",
            idempotency_key=f"checkout:{purchase.provider_id}:{purchase.price.id}:{clock.now():%Y%m%d%H}",
            trial_end=purchase.trial_end,
        )
    )
    return {"sessionId": session.id, "url": session.url, **purchase.terms()}


def create_subscription(
    cmd: SubscriptionCheckoutCommand,
    caller: Caller | None,
    *,
    store: DocumentStore,
    billing: BillingGateway,
    clock: Clock,
) -> dict[str, Any]:
    """The Elements flow: an incomplete subscription whose first invoice the web app pays."""
    purchase = prepare_purchase(cmd, caller, store=store, billing=billing, clock=clock)
    created = billing.create_subscription(
        purchase.customer_id,
        purchase.price.id,
        purchase.metadata,
        f"subscription:{purchase.provider_id}:{purchase.price.id}:{clock.now():%Y%m%d%H}",
        trial_end=purchase.trial_end,
    )
    store.set(f"stripe_subscription_index/{created.id}", {"providerId": purchase.provider_id})
    return {
        "subscriptionId": created.id,
        # Stripe.js confirms the first invoice's payment, or, with a carried trial, saves the
        # card for the charge at its end (SetupIntent).
        "clientSecret": created.client_secret or created.setup_client_secret,
        "intentType": "payment" if created.client_secret else ("setup" if created.setup_client_secret else None),
        "status": created.status,
        **purchase.terms(),
    }
