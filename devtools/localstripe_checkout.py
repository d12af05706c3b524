"""Checkout Sessions (subscription mode), Billing Portal sessions, and local test controls.

There is no hosted page: a session's `url` (`<server>/checkout/<id>`) answers the session as JSON
(with the secret key). What paying on Stripe's page does is `POST /_test/checkout/sessions/{id}/complete`
(`payment_method`, default `pm_card_visa`): attach the card, create the subscription with the
session's price, quantity and `subscription_data`, pay its first invoice (a card that needs
authentication is authenticated, as the customer would on the page), then emit
`checkout.session.completed`. A card that is declined answers 402 and leaves the session open, as
the page would show the error. The portal's `url` is likewise not a UI: its actions are the API
calls (`POST /v1/subscriptions/{id}`, `DELETE ...`) and `POST /_test/customers/{id}/card`.
"""

from __future__ import annotations

from typing import Any

from localstripe.errors import UserError
from localstripe.resources import Customer, List, PaymentMethod, Plan, StripeObject, Subscription, store

from devtools.localstripe_billing import JsonAnswer, as_int, as_metadata, diff, emit, public_url, set_route, unexpected
from devtools.localstripe_clock import now
from devtools.localstripe_prices import Price
from devtools.localstripe_subscriptions import create_subscription

DAY = 86400
IGNORED = (
    "allow_promotion_codes", "billing_address_collection", "locale", "payment_method_types", "automatic_tax",
    "customer_update", "tax_id_collection", "consent_collection", "payment_method_collection", "ui_mode",
)  # fmt: skip
EXTRA_TEST_CARDS = {
    "pm_card_authenticationRequired": "4000002760003184",
    "pm_card_threeDSecure2Required": "4000000000003220",
}

_original_canonical = PaymentMethod._try_get_canonical_test_article.__func__  # type: ignore[attr-defined]


class CheckoutSession(StripeObject):  # type: ignore[misc]
    object = "checkout.session"
    _id_prefix = "cs_test_"

    def __init__(
        self,
        mode: Any = None,
        line_items: Any = None,
        customer: Any = None,
        customer_email: Any = None,
        success_url: Any = None,
        cancel_url: Any = None,
        metadata: Any = None,
        subscription_data: Any = None,
        client_reference_id: Any = None,
        expires_at: Any = None,
        **kwargs: Any,
    ) -> None:
        unexpected({k: v for k, v in kwargs.items() if k not in IGNORED})
        if mode != "subscription":
            raise UserError(400, "Only mode=subscription is implemented locally", {"param": "mode"})
        if type(success_url) is not str:
            raise UserError(400, "Missing required param: success_url.", {"param": "success_url"})
        if type(line_items) is not list or len(line_items) != 1 or type(line_items[0]) is not dict:
            raise UserError(400, "Exactly one line item is implemented locally", {"param": "line_items"})
        price: Price = Price._api_retrieve(line_items[0].get("price"))
        if not price.active or price.type != "recurring":
            raise UserError(400, "The price must be active and recurring", {"param": "line_items[0][price]"})
        quantity = as_int(line_items[0].get("quantity", 1), "line_items[0][quantity]", 1)
        if customer is not None:
            Customer._api_retrieve(customer)
        data = subscription_data or {}
        if type(data) is not dict or set(data) - {"metadata", "trial_period_days", "trial_end", "description"}:
            raise UserError(400, "Unsupported subscription_data", {"param": "subscription_data"})

        super().__init__()
        trial = data.get("trial_period_days") or data.get("trial_end")
        self.mode = mode
        self.status = "open"
        self.payment_status = "unpaid"
        self.customer = customer
        self.customer_email = customer_email
        self.client_reference_id = client_reference_id
        self.success_url = success_url
        self.cancel_url = cancel_url
        self.metadata = as_metadata(metadata)
        self.currency = price.currency
        self.amount_subtotal = 0 if trial else price.unit_amount * quantity
        self.amount_total = self.amount_subtotal
        self.subscription = None
        self.invoice = None
        self.payment_intent = None
        self.payment_method_types = ["card"]
        self.expires_at = as_int(expires_at, "expires_at") if expires_at else now() + DAY
        self.url: str | None = f"{public_url()}/checkout/{self.id}"
        self._price, self._quantity, self._subscription_data = price.id, quantity, data


def _retrieve(id: str, **kwargs: Any) -> CheckoutSession:
    return CheckoutSession._api_retrieve(id)  # type: ignore[no-any-return]


def _line_items(id: str, limit: Any = None, starting_after: Any = None, **kwargs: Any) -> Any:
    session = _retrieve(id)
    price = Price._api_retrieve(session._price)
    result = List(f"/v1/checkout/sessions/{id}/line_items", limit=limit, starting_after=starting_after)
    result._list = [
        JsonAnswer(
            {
                "id": "li_" + session.id[8:],
                "object": "item",
                "amount_subtotal": price.unit_amount * session._quantity,
                "amount_total": price.unit_amount * session._quantity,
                "currency": price.currency,
                "description": Plan._api_retrieve(price.id).name,
                "price": price._export(),
                "quantity": session._quantity,
            }
        )
    ]
    return result


def _expire(id: str, **kwargs: Any) -> CheckoutSession:
    session = _retrieve(id)
    if session.status != "open":
        raise UserError(400, "Only an open Checkout Session can be expired")
    before = session._export()
    session.status, session.url = "expired", None
    emit("checkout.session.expired", session, diff(before, session._export()))
    return session


def _complete(id: str, payment_method: Any = "pm_card_visa", **kwargs: Any) -> CheckoutSession:
    unexpected(kwargs)
    session = _retrieve(id)
    if session.status != "open":
        raise UserError(400, f"This Checkout Session is {session.status}")
    method = PaymentMethod._api_retrieve(payment_method)
    if method._charging_is_declined() or method._attaching_is_declined():
        raise UserError(402, "Your card was declined.", {"code": "card_declined"})
    if session.customer is None:
        session.customer = Customer(email=session.customer_email).id
    method.customer = session.customer
    emit("payment_method.attached", method)
    data = session._subscription_data
    sub = create_subscription(
        customer=session.customer,
        items=[{"price": session._price, "quantity": session._quantity}],
        metadata=data.get("metadata"),
        trial_period_days=data.get("trial_period_days"),
        trial_end=data.get("trial_end"),
        description=data.get("description"),
        default_payment_method=method.id,
        _on_session=True,
    )
    invoice = store.get("invoice:" + str(sub.latest_invoice))
    session.status = "complete"
    session.payment_status = "paid" if session.amount_total else "no_payment_required"
    session.subscription, session.invoice, session.url = sub.id, sub.latest_invoice, None
    session.customer_details = {"email": Customer._api_retrieve(session.customer).email}
    if invoice is not None and invoice.status != "paid":
        session.payment_status = "unpaid"
    emit("checkout.session.completed", session)
    return session


class PortalSession(StripeObject):  # type: ignore[misc]
    object = "billing_portal.session"
    _id_prefix = "bps_"

    def __init__(
        self,
        customer: Any = None,
        return_url: Any = None,
        configuration: Any = None,
        locale: Any = None,
        flow_data: Any = None,
        on_behalf_of: Any = None,
        **kwargs: Any,
    ) -> None:
        unexpected(kwargs)
        if type(customer) is not str:
            raise UserError(400, "Missing required param: customer.", {"param": "customer"})
        Customer._api_retrieve(customer)
        super().__init__()
        self.customer = customer
        self.return_url = return_url
        self.configuration = configuration or "bpc_local_default"
        self.locale = locale
        self.on_behalf_of = on_behalf_of
        self.flow = flow_data or None
        self.url = f"{public_url()}/billing_portal/{self.id}"


def _set_card(id: str, payment_method: Any = None, **kwargs: Any) -> Any:
    """The card the customer's next charges use (as if updated in the portal)."""
    unexpected(kwargs)
    customer = Customer._api_retrieve(id)
    if type(payment_method) is not str:
        raise UserError(400, "Missing required param: payment_method.", {"param": "payment_method"})
    method = PaymentMethod._api_attach(PaymentMethod._api_retrieve(payment_method).id, customer=id)
    emit("payment_method.attached", method)
    before = customer._export()
    customer.invoice_settings["default_payment_method"] = method.id
    emit("customer.updated", customer, diff(before, customer._export()))
    for sub in Subscription._api_list_all(None, customer=id)._list:
        if sub.default_payment_method:
            before = sub._export()
            sub.default_payment_method = method.id
            emit("customer.subscription.updated", sub, diff(before, sub._export()))
    return method


def _canonical(cls: type, /, id: str) -> Any:
    if id in EXTRA_TEST_CARDS:
        card = {"number": EXTRA_TEST_CARDS[id], "exp_month": "12", "exp_year": "2030", "cvc": "123"}
        return PaymentMethod(type="card", card=card)
    return _original_canonical(cls, id)


def register() -> None:
    PaymentMethod._try_get_canonical_test_article = classmethod(_canonical)
    set_route("POST", "/v1/checkout/sessions", lambda **data: CheckoutSession(**data))
    set_route("GET", "/v1/checkout/sessions/{id}", _retrieve)
    set_route("GET", "/v1/checkout/sessions/{id}/line_items", _line_items)
    set_route("POST", "/v1/checkout/sessions/{id}/expire", _expire)
    set_route("GET", "/checkout/{id}", _retrieve)
    set_route("POST", "/_test/checkout/sessions/{id}/complete", _complete)
    set_route("POST", "/v1/billing_portal/sessions", lambda **data: PortalSession(**data))
    set_route("GET", "/billing_portal/{id}", lambda id, **kw: PortalSession._api_retrieve(id))
    set_route("POST", "/_test/customers/{id}/card", _set_card)
