"""Billing gateway port: Stripe Products, Prices, Customers and Checkout for subscriptions."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.kernel.money import Money
from shared.subscriptions.domain.plans import BillingPeriod


@dataclass(frozen=True)
class RecurringPrice:
    id: str
    product_id: str
    amount: Money
    period: BillingPeriod
    active: bool = True


@dataclass(frozen=True)
class CheckoutSession:
    """A created Checkout Session: the web app redirects to `url`."""

    id: str
    url: str


@dataclass(frozen=True)
class SubscriptionRequest:
    """A subscription to one Price for a Customer, created incomplete (Elements pays its first
    invoice) or, with `trial_end`, trialing until then."""

    customer_id: str
    price_id: str
    metadata: dict[str, str]
    idempotency_key: str
    trial_end: datetime | None = None  # the first charge waits until then (a trial being converted)


@dataclass(frozen=True, kw_only=True)
class CheckoutRequest(SubscriptionRequest):
    """The same subscription bought on Stripe's hosted page, which returns to one of the URLs."""

    success_url: str
    cancel_url: str
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, subscription: SubscriptionRequest, *, success_url: str, cancel_url: str) -> CheckoutRequest:
        return cls(**vars(subscription), success_url=success_url, cancel_url=cancel_url)


@dataclass(frozen=True)
class StripeSubscription:
    id: str
    status: str
    item_id: str
    price: RecurringPrice
    cancel_at_period_end: bool
    client_secret: str | None = None  # first invoice's confirmation secret (Elements flow)
    setup_client_secret: str | None = None  # pending SetupIntent of a trialing subscription
    latest_invoice_id: str | None = None
    payment_intent_id: str | None = None  # the first invoice's PaymentIntent (its `payments`)
    created: int | None = None  # Stripe's creation time (unix seconds)


@dataclass(frozen=True)
class PlanChange:
    """A subscription moved to another Price, and what Stripe invoiced for it at once: the
    prorated difference when the billing interval changed (Stripe invoices those immediately),
    zero when the prorations wait for the next renewal invoice."""

    subscription: StripeSubscription
    invoiced_now: Money


class BillingGateway(ABC):
    @abstractmethod
    def ensure_product(self, plan_id: str, name: str) -> str:
        """The Product of a plan (found by its `planId` metadata, else created); its id."""

    @abstractmethod
    def retrieve_price(self, price_id: str) -> RecurringPrice | None:
        """A Price by id, or None when Stripe does not know it."""

    @abstractmethod
    def create_price(
        self, product_id: str, amount: Money, period: BillingPeriod, idempotency_key: str
    ) -> RecurringPrice:
        """A new recurring Price (month or year) for the product."""

    @abstractmethod
    def archive_price(self, price_id: str) -> None:
        """Deactivate a Price (Stripe never deletes them)."""

    @abstractmethod
    def create_customer(self, user_id: str, email: str | None, idempotency_key: str) -> str:
        """A Stripe Customer for a user; its id."""

    @abstractmethod
    def create_checkout_session(self, request: CheckoutRequest) -> CheckoutSession:
        """A subscription-mode Checkout Session for one Price."""

    @abstractmethod
    def create_subscription(self, request: SubscriptionRequest) -> StripeSubscription:
        """An incomplete subscription whose first invoice the client pays with Elements; with
        `trial_end`, a trialing one whose card the client saves with the pending SetupIntent."""

    @abstractmethod
    def retrieve_subscription(self, subscription_id: str) -> StripeSubscription:
        """The subscription as Stripe has it now."""

    @abstractmethod
    def incomplete_subscriptions(self, customer_id: str) -> list[str]:
        """The ids of the customer's subscriptions still waiting for their first payment."""

    @abstractmethod
    def cancel_subscription(self, subscription_id: str, idempotency_key: str) -> StripeSubscription:
        """End a subscription now."""

    @abstractmethod
    def subscription_object(self, subscription_id: str) -> dict[str, Any] | None:
        """The subscription as Stripe returns it now, shaped as in a webhook event's
        `data.object`; None when Stripe has no such subscription."""

    @abstractmethod
    def change_price(
        self, subscription: StripeSubscription, price_id: str, metadata: dict[str, str], idempotency_key: str
    ) -> PlanChange:
        """Move the subscription to another Price, prorating the difference."""

    @abstractmethod
    def set_cancel_at_period_end(self, subscription_id: str, cancel: bool, idempotency_key: str) -> StripeSubscription:
        """Schedule (or undo) the cancellation at the end of the current period."""

    @abstractmethod
    def create_portal_session(self, customer_id: str, return_url: str) -> str:
        """A Billing Portal URL where the customer manages payment methods."""
