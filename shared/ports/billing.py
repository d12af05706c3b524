"""Billing gateway port: Stripe Products, Prices, Customers and Checkout for subscriptions."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from shared.domain.money import Money
from shared.domain.subscription_plans import BillingPeriod


@dataclass(frozen=True)
class RecurringPrice:
    id: str
    product_id: str
    amount: Money
    period: BillingPeriod
    active: bool = True


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str


@dataclass(frozen=True)
class CheckoutRequest:
    customer_id: str
    price_id: str
    metadata: dict[str, str]
    success_url: str
    cancel_url: str
    idempotency_key: str
    trial_days: int | None = None
    extra: dict[str, str] = field(default_factory=dict)


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
