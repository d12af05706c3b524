"""The local clock of the patched localstripe: renewals, failed renewals and dunning."""

from collections.abc import Callable, Iterator

import pytest
import requests
import stripe

from tests.integration.conftest import WebhookReceiver
from tests.integration.localstripe_billing_support import (
    AUTH,
    Hooks,
    advance,
    client,
    control,
    customer_with_card,
    hooks_fixture,
    now,
    period,
    product_and_prices,
    subscribe,
)

DAY = 86400


@pytest.fixture
def hooks(stripe_api: str, webhook_receiver: Callable[..., WebhookReceiver]) -> Iterator[Hooks]:
    yield from hooks_fixture(stripe_api, webhook_receiver)


def test_clock_moves_forward_only_and_resets_with_the_data(stripe_api: str) -> None:
    start = now(stripe_api)
    moved = advance(stripe_api, 3600)
    assert moved["now"] >= start + 3600
    target = moved["now"] + 7200
    assert control(stripe_api, "/_test/clock/advance", to=target)["now"] == target
    back = requests.post(f"{stripe_api}/_test/clock/advance", json={"to": start}, auth=AUTH, timeout=5)
    assert back.status_code == 400
    customer = client(stripe_api).v1.customers.create(params={"email": "t@example.com"})
    assert customer.created >= target  # objects are created at the clock's time
    requests.delete(f"{stripe_api}/_config/data", timeout=5).raise_for_status()
    assert now(stripe_api) < start + 60


def test_monthly_renewals_bill_each_period(stripe_api: str, hooks: Hooks) -> None:
    api = client(stripe_api).v1
    _, monthly, _ = product_and_prices(stripe_api)
    customer, method = customer_with_card(stripe_api)
    sub = subscribe(stripe_api, customer, monthly, method)

    result = advance(stripe_api, 62 * DAY)
    assert result["processed"] == 2
    renewed = api.subscriptions.retrieve(sub.id)
    assert renewed.status == "active"
    assert period(renewed)[0] > period(sub)[1]  # two periods later
    invoices = api.invoices.list(params={"subscription": sub.id}).data
    assert sorted(i.billing_reason for i in invoices) == [
        "subscription_create",
        "subscription_cycle",
        "subscription_cycle",
    ]
    assert all(i.status == "paid" and i.amount_paid == 3000 for i in invoices)

    events = hooks.wait(*(["customer.subscription.updated", "invoice.created", "invoice.paid"] * 2))
    updates = [e for e in events if e["type"] == "customer.subscription.updated"]
    assert period(updates[0]["data"]["previous_attributes"]) == period(sub)
    assert "current_period_start" not in updates[0]["data"]["object"]  # on the items at this version
    assert updates[0]["created"] == period(sub)[1]  # sent when the period ended, on the clock


def test_failed_renewal_goes_past_due_then_fixed_card_and_retry_make_it_active(stripe_api: str, hooks: Hooks) -> None:
    api = client(stripe_api).v1
    _, monthly, _ = product_and_prices(stripe_api)
    customer, method = customer_with_card(stripe_api)
    sub = subscribe(stripe_api, customer, monthly, method)

    control(stripe_api, f"/_test/customers/{customer.id}/card", payment_method="pm_card_chargeCustomerFail")
    advance(stripe_api, 31 * DAY)
    past_due = api.subscriptions.retrieve(sub.id)
    assert past_due.status == "past_due"
    invoice = api.invoices.retrieve(past_due.latest_invoice)
    assert invoice.status == "open" and invoice.attempt_count == 1
    assert invoice.next_payment_attempt == period(sub)[1] + 3 * DAY
    events = hooks.wait("invoice.payment_failed", "customer.subscription.updated")
    failed = next(e for e in events if e["type"] == "invoice.payment_failed")
    assert failed["data"]["object"]["id"] == invoice.id
    assert hooks.last("customer.subscription.updated")["data"]["previous_attributes"] == {"status": "active"}

    control(stripe_api, f"/_test/customers/{customer.id}/card", payment_method="pm_card_visa")
    advance(stripe_api, 3 * DAY)  # the scheduled retry
    assert api.invoices.retrieve(invoice.id).status == "paid"
    assert api.subscriptions.retrieve(sub.id).status == "active"
    hooks.wait("invoice.payment_failed", "invoice.paid", "customer.subscription.updated")
    assert hooks.last("customer.subscription.updated")["data"]["previous_attributes"]["status"] == "past_due"


def test_pay_endpoint_retries_a_past_due_invoice(stripe_api: str, hooks: Hooks) -> None:
    api = client(stripe_api).v1
    _, monthly, _ = product_and_prices(stripe_api)
    customer, method = customer_with_card(stripe_api)
    sub = subscribe(stripe_api, customer, monthly, method)
    control(stripe_api, f"/_test/customers/{customer.id}/card", payment_method="pm_card_chargeCustomerFail")
    advance(stripe_api, 31 * DAY)
    invoice_id = api.subscriptions.retrieve(sub.id).latest_invoice

    with pytest.raises(stripe.CardError):
        api.invoices.pay(invoice_id)
    assert api.invoices.retrieve(invoice_id).attempt_count == 2

    card = control(stripe_api, f"/_test/customers/{customer.id}/card", payment_method="pm_card_visa")
    paid = api.invoices.pay(invoice_id)
    assert paid.status == "paid" and paid.next_payment_attempt is None
    current = api.subscriptions.retrieve(sub.id)
    assert current.status == "active" and current.default_payment_method == card["id"]
    hooks.wait("invoice.payment_failed", "invoice.payment_failed", "invoice.paid", "customer.subscription.updated")


def test_exhausted_retries_cancel_the_subscription(stripe_api: str, hooks: Hooks) -> None:
    api = client(stripe_api).v1
    _, monthly, _ = product_and_prices(stripe_api)
    customer, method = customer_with_card(stripe_api)
    sub = subscribe(stripe_api, customer, monthly, method)
    control(stripe_api, f"/_test/customers/{customer.id}/card", payment_method="pm_card_chargeCustomerFail")
    advance(stripe_api, 31 * DAY + 3 * DAY + 5 * DAY + 7 * DAY)
    ended = api.subscriptions.retrieve(sub.id)
    assert ended.status == "canceled" and ended.cancellation_details.reason == "payment_failed"
    events = hooks.wait(*(["invoice.payment_failed"] * 4), "customer.subscription.deleted")
    assert sum(e["type"] == "invoice.payment_failed" for e in events) == 4
