"""createSubscriptionCheckout: a Stripe Checkout Session for a provider's plan.

The provider is looked up in `sos_profiles`, then `users`, then `providers` (seed 004, I4);
`billingPeriod` is required (I1) and the yearly Price is used for yearly; the response states
the amount and interval of the Stripe Price itself, i.e. what will be charged (I2); metadata
carries providerId, planId, providerType, billingPeriod and currency (backend bug 3).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, field_validator

from shared.accounts.services.provider_profiles import find_provider
from shared.kernel.clock import Clock
from shared.kernel.commands import Caller, require_caller
from shared.kernel.errors import FailedPrecondition, PermissionDenied
from shared.kernel.fields import CurrencyCode
from shared.kernel.store import DocumentStore
from shared.subscriptions.adapters import subscription_repository as repository
from shared.subscriptions.domain.plans import BillingPeriod, Plan, ProviderType, plan
from shared.subscriptions.domain.subscription import Subscription
from shared.subscriptions.ports.billing import BillingGateway, CheckoutRequest, RecurringPrice, SubscriptionRequest
from shared.subscriptions.services.plan_sync import plan_price_id
from shared.subscriptions.services.purchases import cancel_stale_incomplete, purchase_in_flight, record_purchase
from shared.subscriptions.services.stripe_customers import ensure_customer


class SubscriptionCheckoutCommand(BaseModel):
    planId: str
    currency: CurrencyCode
    billingPeriod: BillingPeriod

    @field_validator("planId", mode="before")
    @classmethod
    def _plan(cls, value: object) -> str:
        return plan(value).plan_id

    @field_validator("billingPeriod", mode="before")
    @classmethod
    def _period(cls, value: object) -> BillingPeriod:
        return BillingPeriod.parse(value)


def provider_profile(store: DocumentStore, uid: str) -> tuple[ProviderType, dict[str, Any]]:
    profile = find_provider(store, uid)
    kind = ProviderType.of_profile(profile.get("type") or profile.get("role")) if profile is not None else None
    if profile is None or kind is None:
        raise PermissionDenied("subscriptions are for lawyers and expat helpers")
    return kind, profile


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
    number: int = 1  # the provider's purchase number (subscription_purchases)

    def request(self, flow: str) -> SubscriptionRequest:
        """What to ask Stripe for. One key per purchase and flow: a retry after an outage is a new
        purchase, never Stripe's replay of the 5xx saved under the last one's key."""
        return SubscriptionRequest(
            customer_id=self.customer_id,
            price_id=self.price.id,
            metadata=self.metadata,
            idempotency_key=f"{flow}:{self.provider_id}:{self.price.id}:p{self.number}",
            trial_end=self.trial_end,
        )

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
    price_id = plan_price_id(repository.load_plan(store, cmd.planId), cmd.currency, cmd.billingPeriod)
    price = billing.retrieve_price(price_id) if price_id is not None else None
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


def _refuse_a_second_subscription(store: DocumentStore, uid: str) -> Subscription:
    current = repository.load(store, uid)
    if current.is_live and not current.is_server_trial:
        raise FailedPrecondition("you already have a subscription: change its plan instead (changeSubscriptionPlan)")
    return current


@contextmanager
def purchase(
    cmd: SubscriptionCheckoutCommand,
    caller: Caller | None,
    *,
    store: DocumentStore,
    billing: BillingGateway,
    clock: Clock,
) -> Iterator[Purchase]:
    """The checks shared by Checkout and Elements (provider, plan kind, no live paid subscription;
    a running server trial may be turned into a plan: it carries its end), all before anything is
    written; then the provider's one purchase slot, held while the block asks Stripe."""
    uid = require_caller(caller).uid
    kind, profile, chosen = plan_of_kind(store, uid, cmd.planId)
    _refuse_a_second_subscription(store, uid)
    price = plan_price(store, billing, cmd)
    with purchase_in_flight(uid, store=store, clock=clock) as number:
        current = _refuse_a_second_subscription(store, uid)  # again: a purchase may just have ended
        customer_id = ensure_customer(uid, profile.get("email"), store=store, billing=billing, clock=clock)
        cancel_stale_incomplete(customer_id, billing=billing, purchase=number)
        metadata = purchase_metadata(uid, kind, chosen.plan_id, price)
        yield Purchase(uid, customer_id, price, metadata, current.trial_carried_into_plan(clock.now()), number)


def create_subscription_checkout(
    cmd: SubscriptionCheckoutCommand,
    caller: Caller | None,
    *,
    store: DocumentStore,
    billing: BillingGateway,
    clock: Clock,
    return_url: str,
) -> dict[str, Any]:
    with purchase(cmd, caller, store=store, billing=billing, clock=clock) as bought:
        session = billing.create_checkout_session(
            CheckoutRequest.of(
                bought.request("checkout"),
                success_url=f"{return_url}?checkout=success",
                cancel_url=f"{return_url}?checkout=cancelled",
            )
        )
    return {"sessionId": session.id, "url": session.url, **bought.terms()}


def create_subscription(
    cmd: SubscriptionCheckoutCommand,
    caller: Caller | None,
    *,
    store: DocumentStore,
    billing: BillingGateway,
    clock: Clock,
) -> dict[str, Any]:
    """The Elements flow: an incomplete subscription whose first invoice the web app pays."""
    with purchase(cmd, caller, store=store, billing=billing, clock=clock) as bought:
        created = billing.create_subscription(bought.request("subscription"))
        record_purchase(bought.provider_id, created.id, store=store, clock=clock)
    return {
        "subscriptionId": created.id,
        # Stripe.js confirms the first invoice's payment (its confirmation secret), or, with a
        # carried trial, saves the card for the charge at its end (SetupIntent).
        "clientSecret": created.client_secret or created.setup_client_secret,
        "intentType": "payment" if created.client_secret else ("setup" if created.setup_client_secret else None),
        "paymentIntentId": created.payment_intent_id,
        "status": created.status,
        **bought.terms(),
    }
