"""Stripe Billing adapter: Products, Prices, Customers, Checkout Sessions (lazy client)."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from typing import Any

from shared.adapters.stripe_gateway import call_stripe, stripe_client
from shared.domain.money import Currency, Money
from shared.domain.subscription_plans import BillingPeriod
from shared.ports.billing import (
    BillingGateway,
    CheckoutRequest,
    CheckoutSession,
    PlanChange,
    RecurringPrice,
    StripeSubscription,
)
from shared.ports.payments import PaymentGatewayError

log = logging.getLogger(__name__)


class _StripeCatalogue(BillingGateway):
    def __init__(self, api_key: str, api_base: str | None = None) -> None:
        self._api_key = api_key
        self._api_base = api_base
        self._client: Any = None

    def _stripe(self) -> Any:
        if self._client is None:
            self._client = stripe_client(self._api_key, self._api_base)
        return self._client

    def ensure_product(self, plan_id: str, name: str) -> str:
        products = call_stripe("products.list", lambda: self._stripe().v1.products.list(params={"limit": 100}))
        for product in products.data:
            metadata = product.metadata.to_dict() if product.metadata is not None else {}
            if metadata.get("planId") == plan_id:
                return str(product.id)
        created = call_stripe(
            "products.create",
            lambda: self._stripe().v1.products.create(
                params={"name": name, "metadata": {"planId": plan_id}},
                options={"idempotency_key": f"product:{plan_id}"},
            ),
        )
        log.info("stripe product %s created for %s", created.id, plan_id)
        return str(created.id)

    def retrieve_price(self, price_id: str) -> RecurringPrice | None:
        import stripe

        try:
            price = self._stripe().v1.prices.retrieve(price_id)
        except stripe.InvalidRequestError:
            return None
        return _price(price)

    def create_price(
        self, product_id: str, amount: Money, period: BillingPeriod, idempotency_key: str
    ) -> RecurringPrice:
        price = call_stripe(
            "prices.create",
            lambda: self._stripe().v1.prices.create(
                params={
                    "product": product_id,
                    "unit_amount": amount.minor,
                    "currency": amount.currency.value,
                    "recurring": {"interval": period.interval},
                },
                options={"idempotency_key": idempotency_key},
            ),
        )
        return _price(price)

    def archive_price(self, price_id: str) -> None:
        call_stripe("prices.update", lambda: self._stripe().v1.prices.update(price_id, params={"active": False}))

    def create_customer(self, user_id: str, email: str | None, idempotency_key: str) -> str:
        params: dict[str, Any] = {"metadata": {"userId": user_id}}
        if email:
            params["email"] = email
        customer = call_stripe(
            "customers.create",
            lambda: self._stripe().v1.customers.create(params=params, options={"idempotency_key": idempotency_key}),
        )
        return str(customer.id)

    def create_checkout_session(self, request: CheckoutRequest) -> CheckoutSession:
        subscription_data: dict[str, Any] = {"metadata": request.metadata}
        if request.trial_end is not None:
            subscription_data["trial_end"] = int(request.trial_end.timestamp())
        session = call_stripe(
            "checkout.sessions.create",
            lambda: self._stripe().v1.checkout.sessions.create(
                params={
                    "mode": "subscription",
                    "customer": request.customer_id,
                    "line_items": [{"price": request.price_id, "quantity": 1}],
                    "success_url": request.success_url,
                    "cancel_url": request.cancel_url,
                    "metadata": request.metadata,
                    "subscription_data": subscription_data,
                },
                options={"idempotency_key": request.idempotency_key},
            ),
        )
        return CheckoutSession(str(session.id), str(session.url))


def _price_of(price: dict[str, Any]) -> RecurringPrice:
    product = price["product"]
    return RecurringPrice(
        id=str(price["id"]),
        product_id=str(product if isinstance(product, str) else product["id"]),
        amount=Money(int(price["unit_amount"]), Currency(price["currency"])),
        period=BillingPeriod.of_interval((price.get("recurring") or {}).get("interval")),
        active=bool(price.get("active", True)),
    )


def _price(price: Any) -> RecurringPrice:
    recurring = price.recurring
    return RecurringPrice(
        id=str(price.id),
        product_id=str(price.product if isinstance(price.product, str) else price.product.id),
        amount=Money(int(price.unit_amount), Currency(price.currency)),
        period=BillingPeriod.of_interval(recurring.interval if recurring is not None else None),
        active=bool(price.active),
    )


class StripeBillingGateway(_StripeCatalogue):
    """Stripe Billing: the catalogue half above, subscriptions here."""

    def create_subscription(
        self,
        customer_id: str,
        price_id: str,
        metadata: dict[str, str],
        idempotency_key: str,
        trial_end: datetime | None = None,
    ) -> StripeSubscription:
        params: dict[str, Any] = {
            "customer": customer_id,
            "items": [{"price": price_id}],
            "metadata": metadata,
            "payment_behavior": "default_incomplete",
            "payment_settings": {"save_default_payment_method": "on_subscription"},
            "expand": ["latest_invoice.payment_intent", "pending_setup_intent"],
        }
        if trial_end is not None:
            # No card saved by the trial's end: the subscription ends with it (AI access off).
            params["trial_end"] = int(trial_end.timestamp())
            params["trial_settings"] = {"end_behavior": {"missing_payment_method": "cancel"}}
        created = call_stripe(
            "subscriptions.create",
            lambda: self._stripe().v1.subscriptions.create(params=params, options={"idempotency_key": idempotency_key}),
        )
        subscription = _subscription(created)
        pending = getattr(created, "pending_setup_intent", None)
        if isinstance(pending, str):  # not expanded (the local Stripe ignores `expand`)
            setup = call_stripe("setup_intents.retrieve", lambda: self._stripe().v1.setup_intents.retrieve(pending))
            subscription = replace(subscription, setup_client_secret=str(setup.client_secret))
        return subscription

    def retrieve_subscription(self, subscription_id: str) -> StripeSubscription:
        return _subscription(
            call_stripe("subscriptions.retrieve", lambda: self._stripe().v1.subscriptions.retrieve(subscription_id))
        )

    def subscription_object(self, subscription_id: str) -> dict[str, Any] | None:
        import stripe

        try:
            found = call_stripe(
                "subscriptions.retrieve", lambda: self._stripe().v1.subscriptions.retrieve(subscription_id)
            )
        except PaymentGatewayError as exc:
            if isinstance(exc.__cause__, stripe.InvalidRequestError) and exc.__cause__.http_status == 404:
                return None
            raise
        snapshot: dict[str, Any] = found.to_dict()
        return snapshot

    def change_price(
        self, subscription: StripeSubscription, price_id: str, metadata: dict[str, str], idempotency_key: str
    ) -> PlanChange:
        updated = call_stripe(
            "subscriptions.update",
            lambda: self._stripe().v1.subscriptions.update(
                subscription.id,
                params={
                    "items": [{"id": subscription.item_id, "price": price_id}],
                    "proration_behavior": "create_prorations",
                    "metadata": metadata,
                },
                options={"idempotency_key": idempotency_key},
            ),
        )
        changed = _subscription(updated)
        invoiced = Money(0, changed.price.amount.currency)
        if changed.latest_invoice_id and changed.latest_invoice_id != subscription.latest_invoice_id:
            invoice_id = changed.latest_invoice_id
            invoice = call_stripe("invoices.retrieve", lambda: self._stripe().v1.invoices.retrieve(invoice_id))
            invoiced = Money(int(invoice.amount_due), Currency(str(invoice.currency).lower()))
        return PlanChange(changed, invoiced)

    def set_cancel_at_period_end(self, subscription_id: str, cancel: bool, idempotency_key: str) -> StripeSubscription:
        updated = call_stripe(
            "subscriptions.update",
            lambda: self._stripe().v1.subscriptions.update(
                subscription_id, params={"cancel_at_period_end": cancel}, options={"idempotency_key": idempotency_key}
            ),
        )
        return _subscription(updated)

    def create_portal_session(self, customer_id: str, return_url: str) -> str:
        session = call_stripe(
            "billing_portal.sessions.create",
            lambda: self._stripe().v1.billing_portal.sessions.create(
                params={"customer": customer_id, "return_url": return_url}
            ),
        )
        return str(session.url)


def _subscription(stripe_obj: Any) -> StripeSubscription:
    stripe_sub: dict[str, Any] = stripe_obj.to_dict() if hasattr(stripe_obj, "to_dict") else dict(stripe_obj)
    item = stripe_sub["items"]["data"][0]
    client_secret = None
    invoice = stripe_sub.get("latest_invoice")
    invoice_id = invoice if isinstance(invoice, str) else None
    setup = stripe_sub.get("pending_setup_intent")
    if invoice is not None and not isinstance(invoice, str):
        invoice_id = invoice.get("id")
        intent = invoice.get("payment_intent")
        if intent is not None and not isinstance(intent, str):
            client_secret = intent.get("client_secret")
    return StripeSubscription(
        id=str(stripe_sub["id"]),
        status=str(stripe_sub["status"]),
        item_id=str(item["id"]),
        price=_price_of(item["price"]),
        cancel_at_period_end=bool(stripe_sub.get("cancel_at_period_end")),
        client_secret=client_secret,
        setup_client_secret=setup.get("client_secret") if isinstance(setup, dict) else None,
        latest_invoice_id=invoice_id,
    )
