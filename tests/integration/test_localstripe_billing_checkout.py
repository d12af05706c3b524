"""Checkout Sessions and Billing Portal sessions on the patched localstripe."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
import stripe

from tests.integration.conftest import WebhookReceiver
from tests.integration.localstripe_billing_support import (
    AUTH,
    Hooks,
    client,
    control,
    hooks_fixture,
    product_and_prices,
)


@pytest.fixture
def hooks(stripe_api: str, webhook_receiver: Callable[..., WebhookReceiver]) -> Iterator[Hooks]:
    yield from hooks_fixture(stripe_api, webhook_receiver)


def open_session(url: str, price_id: str, customer: str | None = None, **params: Any) -> Any:
    body: dict[str, Any] = {
        "mode": "subscription",
        "line_items": [{"price": price_id, "quantity": 1}],
        "success_url": "http://localhost:3000/ok?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://localhost:3000/cancel",
        "metadata": {"uid": "user-1"},
        "subscription_data": {"metadata": {"uid": "user-1", "plan": "ai_monthly"}},
        **params,
    }
    if customer:
        body["customer"] = customer
    return client(url).v1.checkout.sessions.create(params=body)


def test_checkout_session_is_open_with_a_local_url(stripe_api: str) -> None:
    _, monthly, _ = product_and_prices(stripe_api)
    customer = client(stripe_api).v1.customers.create(params={"email": "c@example.com"})
    session = open_session(stripe_api, monthly.id, customer.id)
    assert session.id.startswith("cs_") and session.object == "checkout.session"
    assert (session.status, session.payment_status, session.mode) == ("open", "unpaid", "subscription")
    assert (session.amount_total, session.currency, session.subscription) == (3000, "eur", None)
    port = stripe_api.rsplit(":", 1)[1]
    assert session.url == f"http://127.0.0.1:{port}/checkout/{session.id}"
    page = requests.get(session.url, auth=AUTH, timeout=5).json()
    assert page["id"] == session.id
    assert client(stripe_api).v1.checkout.sessions.retrieve(session.id).metadata.to_dict() == {"uid": "user-1"}
    items = client(stripe_api).v1.checkout.sessions.line_items.list(session.id).data
    assert [(i.price.id, i.quantity, i.amount_total) for i in items] == [(monthly.id, 1, 3000)]


def test_completing_checkout_creates_and_pays_the_subscription(stripe_api: str, hooks: Hooks) -> None:
    api = client(stripe_api).v1
    _, monthly, _ = product_and_prices(stripe_api)
    customer = api.customers.create(params={"email": "c@example.com"})
    session = open_session(stripe_api, monthly.id, customer.id)

    done = control(stripe_api, f"/_test/checkout/sessions/{session.id}/complete", payment_method="pm_card_visa")
    assert (done["status"], done["payment_status"], done["url"]) == ("complete", "paid", None)
    sub = api.subscriptions.retrieve(done["subscription"])
    assert sub.status == "active" and sub.customer == customer.id
    assert sub.metadata.to_dict() == {"uid": "user-1", "plan": "ai_monthly"}
    assert sub["items"].data[0].price.id == monthly.id and sub.default_payment_method
    assert api.invoices.retrieve(sub.latest_invoice).status == "paid"

    events = hooks.wait(
        "customer.subscription.created",
        "invoice.created",
        "invoice.finalized",
        "invoice.paid",
        "checkout.session.completed",
    )
    completed = (
        events[-1] if events[-1]["type"] == "checkout.session.completed" else hooks.last("checkout.session.completed")
    )
    obj = completed["data"]["object"]
    assert (obj["subscription"], obj["customer"], obj["metadata"]) == (sub.id, customer.id, {"uid": "user-1"})
    assert hooks.settle()[-1] == "checkout.session.completed"

    again = requests.post(f"{stripe_api}/_test/checkout/sessions/{session.id}/complete", auth=AUTH, timeout=5)
    assert again.status_code == 400


def test_checkout_with_trial_and_new_customer(stripe_api: str, hooks: Hooks) -> None:
    _, monthly, _ = product_and_prices(stripe_api)
    session = open_session(
        stripe_api,
        monthly.id,
        customer_email="new@example.com",
        subscription_data={"trial_period_days": 14, "metadata": {"uid": "user-2"}},
    )
    assert session.amount_total == 0
    done = control(stripe_api, f"/_test/checkout/sessions/{session.id}/complete")
    assert done["payment_status"] == "no_payment_required" and done["customer"].startswith("cus_")
    sub = client(stripe_api).v1.subscriptions.retrieve(done["subscription"])
    assert sub.status == "trialing" and sub.metadata.to_dict() == {"uid": "user-2"}
    assert client(stripe_api).v1.customers.retrieve(done["customer"]).email == "new@example.com"
    hooks.wait("customer.created", "customer.subscription.created", "checkout.session.completed")


def test_declined_card_leaves_the_session_open(stripe_api: str, hooks: Hooks) -> None:
    _, monthly, _ = product_and_prices(stripe_api)
    customer = client(stripe_api).v1.customers.create(params={"email": "c@example.com"})
    session = open_session(stripe_api, monthly.id, customer.id)
    declined = requests.post(
        f"{stripe_api}/_test/checkout/sessions/{session.id}/complete",
        json={"payment_method": "pm_card_chargeCustomerFail"},
        auth=AUTH,
        timeout=5,
    )
    assert declined.status_code == 402
    assert client(stripe_api).v1.checkout.sessions.retrieve(session.id).status == "open"
    assert client(stripe_api).v1.subscriptions.list(params={"customer": customer.id, "status": "all"}).data == []
    expired = client(stripe_api).v1.checkout.sessions.expire(session.id)
    assert expired.status == "expired" and expired.url is None
    hooks.wait("checkout.session.expired")
    assert "checkout.session.completed" not in hooks.settle()


def test_checkout_refuses_what_it_does_not_implement(stripe_api: str) -> None:
    _, monthly, _ = product_and_prices(stripe_api)
    with pytest.raises(stripe.InvalidRequestError):
        open_session(stripe_api, monthly.id, mode="payment")
    with pytest.raises(stripe.InvalidRequestError):
        open_session(stripe_api, "price_missing")


def test_billing_portal_session(stripe_api: str) -> None:
    api = client(stripe_api).v1
    customer = api.customers.create(params={"email": "c@example.com"})
    portal = api.billing_portal.sessions.create(
        params={"customer": customer.id, "return_url": "http://localhost:3000/account"}
    )
    assert portal.id.startswith("bps_") and portal.object == "billing_portal.session"
    assert (portal.customer, portal.return_url) == (customer.id, "http://localhost:3000/account")
    assert portal.url.startswith(stripe_api.replace("localhost", "127.0.0.1") + "/billing_portal/")
    with pytest.raises(stripe.InvalidRequestError):
        api.billing_portal.sessions.create(params={"customer": "cus_missing", "return_url": "http://x"})
