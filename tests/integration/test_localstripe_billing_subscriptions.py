"""Subscriptions priced by Prices on the patched localstripe: creation, trials, the Elements flow,
plan changes with proration, cancellation; with the webhooks Stripe sends."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
import stripe

from tests.integration.conftest import WebhookReceiver
from tests.integration.localstripe_billing_support import (
    AUTH,
    Hooks,
    advance,
    client,
    customer_with_card,
    hooks_fixture,
    is_proration,
    now,
    period,
    product_and_prices,
    subscribe,
)

DAY = 86400


@pytest.fixture
def hooks(stripe_api: str, webhook_receiver: Callable[..., WebhookReceiver]) -> Iterator[Hooks]:
    yield from hooks_fixture(stripe_api, webhook_receiver)


def test_monthly_and_yearly_subscriptions_show_their_price(stripe_api: str, hooks: Hooks) -> None:
    _, monthly, yearly = product_and_prices(stripe_api)
    customer, method = customer_with_card(stripe_api)
    sub = subscribe(stripe_api, customer, monthly, method, metadata={"uid": "u1"})
    assert sub.status == "active" and sub.metadata.to_dict() == {"uid": "u1"}
    item = sub["items"].data[0]
    assert item.price.id == monthly.id and item.price.recurring.interval == "month"
    assert item.plan.id == monthly.id and sub.default_payment_method == method.id
    start, end = period(sub)
    assert 28 * DAY <= end - start <= 31 * DAY
    assert "current_period_end" not in sub and "plan" not in sub and "quantity" not in sub

    other, other_method = customer_with_card(stripe_api)
    yearly_sub = subscribe(stripe_api, other, yearly, other_method)
    assert yearly_sub["items"].data[0].price.recurring.interval == "year"
    assert 365 * DAY <= period(yearly_sub)[1] - period(yearly_sub)[0] <= 366 * DAY

    invoice = client(stripe_api).v1.invoices.retrieve(sub.latest_invoice)
    assert (invoice.status, invoice.amount_paid, invoice.billing_reason) == ("paid", 3000, "subscription_create")
    assert invoice.lines.data[0].pricing.price_details.price == monthly.id

    hooks.wait("customer.subscription.created", "invoice.created", "invoice.finalized", "invoice.payment_succeeded")
    events = hooks.wait("customer.subscription.created", "invoice.payment_succeeded")
    mine = [e for e in events if e["data"]["object"].get("customer") == customer.id]
    types = [e["type"] for e in mine]
    assert types.index("customer.subscription.created") < types.index("invoice.created")
    assert types.index("invoice.finalized") < types.index("invoice.paid") < types.index("invoice.payment_succeeded")
    created = next(e for e in mine if e["type"] == "customer.subscription.created")
    assert created["data"]["object"]["status"] == "active"
    assert created["data"]["object"]["items"]["data"][0]["price"]["recurring"]["interval"] == "month"


def test_trial_is_trialing_then_active_when_it_ends(stripe_api: str, hooks: Hooks) -> None:
    api = client(stripe_api).v1
    _, monthly, _ = product_and_prices(stripe_api)
    customer, method = customer_with_card(stripe_api)
    start = now(stripe_api)
    sub = subscribe(stripe_api, customer, monthly, method, trial_period_days=7)
    assert sub.status == "trialing"
    assert sub.trial_end == period(sub)[1] and 7 * DAY - 5 <= sub.trial_end - start <= 7 * DAY + 5
    first = api.invoices.retrieve(sub.latest_invoice)
    assert (first.amount_due, first.status) == (0, "paid")
    hooks.wait("customer.subscription.created", "invoice.paid")

    advance(stripe_api, 5 * DAY)
    assert api.subscriptions.retrieve(sub.id).status == "trialing"
    will_end = hooks.wait("customer.subscription.trial_will_end")[-1]
    assert will_end["data"]["object"]["id"] == sub.id and will_end["created"] == sub.trial_end - 3 * DAY

    advance(stripe_api, 3 * DAY)
    active = api.subscriptions.retrieve(sub.id)
    assert active.status == "active" and period(active)[0] == sub.trial_end
    renewal = api.invoices.retrieve(active.latest_invoice)
    assert (renewal.amount_paid, renewal.billing_reason) == (3000, "subscription_cycle")
    events = hooks.wait("customer.subscription.updated", "invoice.created", "invoice.paid")
    update = [e for e in events if e["type"] == "customer.subscription.updated"][-1]
    assert update["data"]["previous_attributes"]["status"] == "trialing"


def test_trial_without_card_can_pause_and_resume(stripe_api: str, hooks: Hooks) -> None:
    api = client(stripe_api).v1
    _, monthly, _ = product_and_prices(stripe_api)
    customer = api.customers.create(params={"email": "nocard@example.com"})
    sub = subscribe(
        stripe_api,
        customer,
        monthly,
        trial_period_days=2,
        trial_settings={"end_behavior": {"missing_payment_method": "pause"}},
    )
    advance(stripe_api, 2 * DAY + 60)
    assert api.subscriptions.retrieve(sub.id).status == "paused"
    hooks.wait("customer.subscription.trial_will_end", "customer.subscription.paused")
    method = api.payment_methods.attach("pm_card_visa", params={"customer": customer.id})
    api.customers.update(customer.id, params={"invoice_settings": {"default_payment_method": method.id}})
    resumed = api.subscriptions.resume(sub.id)
    assert resumed.status == "active"
    hooks.wait("customer.subscription.resumed", "invoice.paid")


def test_default_incomplete_returns_the_client_secret_and_confirming_activates(stripe_api: str, hooks: Hooks) -> None:
    api = client(stripe_api).v1
    _, monthly, _ = product_and_prices(stripe_api)
    customer = api.customers.create(params={"email": "elements@example.com"})
    sub = api.subscriptions.create(
        params={
            "customer": customer.id,
            "items": [{"price": monthly.id}],
            "payment_behavior": "default_incomplete",
            "payment_settings": {"save_default_payment_method": "on_subscription"},
            "expand": ["latest_invoice.confirmation_secret", "latest_invoice.payments"],
        }
    )
    assert sub.status == "incomplete"
    invoice = sub.latest_invoice
    assert not isinstance(invoice, str) and invoice.confirmation_secret is not None and invoice.payments is not None
    [payment] = invoice.payments.data
    assert payment.payment.type == "payment_intent" and payment.is_default and payment.status == "open"
    intent = api.payment_intents.retrieve(str(payment.payment.payment_intent))
    assert intent.status == "requires_payment_method" and intent.amount == 3000
    assert intent.client_secret == invoice.confirmation_secret.client_secret
    assert intent.client_secret.startswith(intent.id + "_secret_")

    confirmed = requests.post(
        f"{stripe_api}/v1/payment_intents/{intent.id}/confirm",
        data={"payment_method": "pm_card_visa", "client_secret": intent.client_secret},
        auth=AUTH,
        timeout=5,
    )
    assert confirmed.json()["status"] == "succeeded"
    active = api.subscriptions.retrieve(sub.id)
    assert active.status == "active" and active.default_payment_method
    assert (
        api.invoices.retrieve(
            active.latest_invoice.id if hasattr(active.latest_invoice, "id") else active.latest_invoice
        ).status
        == "paid"
    )
    events = hooks.wait(
        "customer.subscription.created", "invoice.finalized", "payment_intent.succeeded", "invoice.paid"
    )
    hooks.wait("customer.subscription.updated")
    assert events[0]["type"] != "customer.subscription.updated"
    update = hooks.last("customer.subscription.updated")
    assert update["data"]["previous_attributes"]["status"] == "incomplete"
    created = next(e for e in events if e["type"] == "customer.subscription.created")
    assert created["data"]["object"]["status"] == "incomplete"


def test_card_requiring_authentication_emits_payment_action_required(stripe_api: str, hooks: Hooks) -> None:
    _, monthly, _ = product_and_prices(stripe_api)
    customer, method = customer_with_card(stripe_api, "pm_card_authenticationRequired")
    sub = subscribe(stripe_api, customer, monthly, method)
    assert sub.status == "incomplete"
    hooks.wait("invoice.finalized", "invoice.payment_action_required")
    invoice = client(stripe_api).v1.invoices.retrieve(sub.latest_invoice, params={"expand": ["payments"]})
    assert invoice.payments is not None
    intent_id = invoice.payments.data[0].payment.payment_intent
    intent = client(stripe_api).v1.payment_intents.retrieve(str(intent_id))
    assert intent.status == "requires_action"
    requests.post(
        f"{stripe_api}/v1/payment_intents/{intent.id}/_authenticate",
        data={"client_secret": intent.client_secret, "success": "true"},
        auth=AUTH,
        timeout=5,
    ).raise_for_status()
    assert client(stripe_api).v1.subscriptions.retrieve(sub.id).status == "active"


def test_declined_first_payment(stripe_api: str, hooks: Hooks) -> None:
    _, monthly, _ = product_and_prices(stripe_api)
    customer, method = customer_with_card(stripe_api, "pm_card_chargeCustomerFail")
    sub = subscribe(stripe_api, customer, monthly, method)
    assert sub.status == "incomplete"
    hooks.wait("payment_intent.payment_failed", "invoice.payment_failed")
    with pytest.raises(stripe.CardError):
        subscribe(stripe_api, customer, monthly, method, payment_behavior="error_if_incomplete")
    listed = client(stripe_api).v1.subscriptions.list(params={"customer": customer.id, "status": "all"}).data
    assert [s.id for s in listed] == [sub.id]


def test_change_month_to_year_prorates_and_starts_a_yearly_period(stripe_api: str, hooks: Hooks) -> None:
    api = client(stripe_api).v1
    _, monthly, yearly = product_and_prices(stripe_api)
    customer, method = customer_with_card(stripe_api)
    sub = subscribe(stripe_api, customer, monthly, method)
    item = sub["items"].data[0]
    advance(stripe_api, 10 * DAY)
    changed_at = now(stripe_api)

    changed = api.subscriptions.update(
        sub.id,
        params={"items": [{"id": item.id, "price": yearly.id}], "proration_behavior": "create_prorations"},
    )
    assert changed["items"].data[0].id == item.id and changed["items"].data[0].price.id == yearly.id
    assert period(changed)[0] == changed_at
    assert 365 * DAY <= period(changed)[1] - changed_at <= 366 * DAY
    invoice = api.invoices.retrieve(changed.latest_invoice)
    assert invoice.billing_reason == "subscription_update" and invoice.status == "paid"
    amounts = sorted(line.amount for line in invoice.lines.data)
    start, end = period(sub)
    unused = round(3000 * (end - changed_at) / (end - start))
    assert amounts == [-unused, 30000] and invoice.amount_paid == 30000 - unused
    assert any(is_proration(line) for line in invoice.lines.data)

    hooks.wait("customer.subscription.updated", "invoice.created", "invoice.paid")
    update = hooks.last("customer.subscription.updated")
    previous = update["data"]["previous_attributes"]
    assert previous["items"]["data"][0]["price"]["id"] == monthly.id
    assert period(previous) == period(sub)
    assert update["data"]["object"]["items"]["data"][0]["price"]["recurring"]["interval"] == "year"


def test_same_interval_upgrade_always_invoice_charges_the_difference(stripe_api: str, hooks: Hooks) -> None:
    api = client(stripe_api).v1
    product, monthly, _ = product_and_prices(stripe_api)
    premium = api.prices.create(
        params={"product": product.id, "unit_amount": 6000, "currency": "eur", "recurring": {"interval": "month"}}
    )
    customer, method = customer_with_card(stripe_api)
    sub = subscribe(stripe_api, customer, monthly, method)
    advance(stripe_api, 15 * DAY)
    changed = api.subscriptions.update(
        sub.id,
        params={
            "items": [{"id": sub["items"].data[0].id, "price": premium.id}],
            "proration_behavior": "always_invoice",
        },
    )
    start, end = period(sub)
    assert period(changed)[1] == end  # same period
    invoice = api.invoices.retrieve(changed.latest_invoice)
    fraction = (end - now(stripe_api)) / (end - start)
    assert invoice.amount_paid == round(6000 * fraction) - round(3000 * fraction) > 0
    assert all(is_proration(line) for line in invoice.lines.data)

    # create_prorations (the default) leaves the items for the next renewal invoice.
    api.subscriptions.update(sub.id, params={"items": [{"id": sub["items"].data[0].id, "price": monthly.id}]})
    assert api.subscriptions.retrieve(sub.id).latest_invoice == invoice.id
    advance(stripe_api, 16 * DAY)
    renewal = api.invoices.retrieve(api.subscriptions.retrieve(sub.id).latest_invoice)
    assert len(renewal.lines.data) == 3 and renewal.amount_paid < 3000
    hooks.wait("invoice.paid", "invoice.paid", "invoice.paid")


def test_cancel_now_and_at_period_end(stripe_api: str, hooks: Hooks) -> None:
    api = client(stripe_api).v1
    _, monthly, _ = product_and_prices(stripe_api)
    customer, method = customer_with_card(stripe_api)
    now_sub = subscribe(stripe_api, customer, monthly, method)
    later_sub = subscribe(stripe_api, customer, monthly, method)

    canceled = api.subscriptions.cancel(now_sub.id)
    assert canceled.status == "canceled" and canceled.canceled_at and canceled.ended_at
    deleted = hooks.wait("customer.subscription.deleted")[-1]
    assert deleted["data"]["object"]["id"] == now_sub.id

    flagged = api.subscriptions.update(later_sub.id, params={"cancel_at_period_end": True})
    assert flagged.status == "active" and flagged.cancel_at == period(later_sub)[1]
    update = hooks.wait("customer.subscription.updated")[-1]
    assert update["data"]["previous_attributes"]["cancel_at_period_end"] is False
    advance(stripe_api, 20 * DAY)
    assert api.subscriptions.retrieve(later_sub.id).status == "active"
    advance(stripe_api, 15 * DAY)
    ended = api.subscriptions.retrieve(later_sub.id)
    assert ended.status == "canceled" and ended.ended_at == period(later_sub)[1]
    assert ended.latest_invoice == later_sub.latest_invoice  # no renewal invoice
    hooks.wait("customer.subscription.deleted", "customer.subscription.updated", "customer.subscription.deleted")
    assert api.subscriptions.list(params={"customer": customer.id}).data == []


def test_pause_collection_voids_renewals_until_resumed(stripe_api: str, hooks: Hooks) -> None:
    api = client(stripe_api).v1
    _, monthly, _ = product_and_prices(stripe_api)
    customer, method = customer_with_card(stripe_api)
    sub = subscribe(stripe_api, customer, monthly, method)
    paused = api.subscriptions.update(sub.id, params={"pause_collection": {"behavior": "void"}})
    assert paused.pause_collection.behavior == "void"
    advance(stripe_api, 32 * DAY)
    renewal = api.invoices.retrieve(api.subscriptions.retrieve(sub.id).latest_invoice)
    assert renewal.status == "void"
    hooks.wait("customer.subscription.updated", "invoice.voided")
    assert api.subscriptions.update(sub.id, params={"pause_collection": ""}).pause_collection is None


def test_invoices_take_the_shape_of_the_pinned_api_version(stripe_api: str, hooks: Hooks) -> None:
    """No top-level subscription / payment_intent (expanding it is refused, as Stripe does); the
    subscription and its metadata under `parent`; confirmation_secret and payments only when
    expanded; an unexpanded latest_invoice is an id, an expanded one the invoice."""
    api = client(stripe_api).v1
    _, monthly, _ = product_and_prices(stripe_api)
    customer = api.customers.create(params={"email": "shape@example.com"})
    params: dict[str, Any] = {
        "customer": customer.id,
        "items": [{"price": monthly.id}],
        "payment_behavior": "default_incomplete",
        "metadata": {"providerId": "p1"},
    }
    with pytest.raises(stripe.InvalidRequestError, match="cannot be expanded"):
        api.subscriptions.create(params={**params, "expand": ["latest_invoice.payment_intent"]})
    sub = api.subscriptions.create(params=params)
    assert isinstance(sub.latest_invoice, str)
    invoice = api.invoices.retrieve(sub.latest_invoice).to_dict()
    assert not {"subscription", "subscription_details", "payment_intent", "charge"} & set(invoice)
    assert "confirmation_secret" not in invoice and "payments" not in invoice
    assert invoice["parent"] == {
        "type": "subscription_details",
        "quote_details": None,
        "subscription_details": {"subscription": sub.id, "metadata": {"providerId": "p1"}},
    }
    expanded = api.subscriptions.retrieve(sub.id, params={"expand": ["latest_invoice.confirmation_secret"]})
    assert not isinstance(expanded.latest_invoice, str) and expanded.latest_invoice.confirmation_secret is not None
    hooks.wait("invoice.finalized", "invoice.finalized")  # the refused expand is checked after creating
    event_invoice = next(
        e["data"]["object"] for e in hooks.events() if e["data"]["object"].get("id") == sub.latest_invoice
    )
    assert "payment_intent" not in event_invoice and "subscription" not in event_invoice
    assert event_invoice["parent"]["subscription_details"]["subscription"] == sub.id
