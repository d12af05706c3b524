"""Stripe Billing adapter, catalogue half: Products, Prices, Customers, Checkout and Portal
sessions, through the typed `stripe.StripeClient` surface (typed params, typed resources), so
mypy rejects a parameter or a field the pinned API version does not have. The client is lazy."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from shared.kernel.adapters.stripe_api import call_stripe, stripe_client
from shared.kernel.errors import PaymentGatewayError
from shared.kernel.money import Currency, Money
from shared.subscriptions.domain.plans import BillingPeriod
from shared.subscriptions.ports.billing import BillingGateway, CheckoutRequest, CheckoutSession, RecurringPrice

if TYPE_CHECKING:
    from stripe import Price, StripeClient
    from stripe.params import CustomerCreateParams, PriceCreateParams
    from stripe.params.checkout import SessionCreateParams, SessionCreateParamsSubscriptionData

log = logging.getLogger(__name__)


def price_of(price: Price) -> RecurringPrice:
    product = price.product
    if price.unit_amount is None:
        raise ValueError(f"price {price.id} has no unit amount")
    return RecurringPrice(
        id=price.id,
        product_id=product if isinstance(product, str) else product.id,
        amount=Money(price.unit_amount, Currency(price.currency)),
        period=BillingPeriod.of_interval(price.recurring.interval if price.recurring is not None else None),
        active=price.active,
    )


class StripeCatalogue(BillingGateway):
    def __init__(self, api_key: str, api_base: str | None = None) -> None:
        self._api_key = api_key
        self._api_base = api_base
        self._client: StripeClient | None = None

    def _stripe(self) -> StripeClient:
        if self._client is None:
            self._client = stripe_client(self._api_key, self._api_base)
        return self._client

    def ensure_product(self, plan_id: str, name: str) -> str:
        products = call_stripe("products.list", lambda: self._stripe().v1.products.list(params={"limit": 100}))
        for product in products.data:
            if product.metadata.to_dict().get("planId") == plan_id:
                return product.id
        created = call_stripe(
            "products.create",
            lambda: self._stripe().v1.products.create(
                params={"name": name, "metadata": {"planId": plan_id}},
                options={"idempotency_key": f"product:{plan_id}"},
            ),
        )
        log.info("stripe product %s created for %s", created.id, plan_id)
        return created.id

    def retrieve_price(self, price_id: str) -> RecurringPrice | None:
        import stripe

        try:
            price = call_stripe("prices.retrieve", lambda: self._stripe().v1.prices.retrieve(price_id))
        except PaymentGatewayError as exc:
            if isinstance(exc.__cause__, stripe.InvalidRequestError) and exc.__cause__.http_status == 404:
                return None
            raise
        return price_of(price)

    def create_price(
        self, product_id: str, amount: Money, period: BillingPeriod, idempotency_key: str
    ) -> RecurringPrice:
        params: PriceCreateParams = {
            "product": product_id,
            "unit_amount": amount.minor,
            "currency": amount.currency.value,
            "recurring": {"interval": "year" if period is BillingPeriod.YEARLY else "month"},
        }
        price = call_stripe(
            "prices.create",
            lambda: self._stripe().v1.prices.create(params=params, options={"idempotency_key": idempotency_key}),
        )
        return price_of(price)

    def archive_price(self, price_id: str) -> None:
        call_stripe("prices.update", lambda: self._stripe().v1.prices.update(price_id, params={"active": False}))

    def create_customer(self, user_id: str, email: str | None, idempotency_key: str) -> str:
        params: CustomerCreateParams = {"metadata": {"userId": user_id}}
        if email:
            params["email"] = email
        customer = call_stripe(
            "customers.create",
            lambda: self._stripe().v1.customers.create(params=params, options={"idempotency_key": idempotency_key}),
        )
        return customer.id

    def create_checkout_session(self, request: CheckoutRequest) -> CheckoutSession:
        subscription_data: SessionCreateParamsSubscriptionData = {"metadata": request.metadata}
        if request.trial_end is not None:
            subscription_data["trial_end"] = int(request.trial_end.timestamp())
        params: SessionCreateParams = {
            "mode": "subscription",
            "customer": request.customer_id,
            "line_items": [{"price": request.price_id, "quantity": 1}],
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "metadata": request.metadata,
            "subscription_data": subscription_data,
        }
        session = call_stripe(
            "checkout.sessions.create",
            lambda: self._stripe().v1.checkout.sessions.create(
                params=params, options={"idempotency_key": request.idempotency_key}
            ),
        )
        if session.url is None:
            raise ValueError(f"checkout session {session.id} has no url")
        return CheckoutSession(session.id, session.url)

    def create_portal_session(self, customer_id: str, return_url: str) -> str:
        session = call_stripe(
            "billing_portal.sessions.create",
            lambda: self._stripe().v1.billing_portal.sessions.create(
                params={"customer": customer_id, "return_url": return_url}
            ),
        )
        return session.url
