"""Events of the local Stripe are rendered as Stripe renders them at the pinned API version:
the SDK's `api_version`, ids in expandable fields, embedded lists where Stripe embeds them."""

from collections.abc import Iterator
from typing import Any

import pytest
import requests
import stripe
from localstripe.resources import Event
from stripe._api_version import _ApiVersion

from devtools import localstripe_events
from devtools.localstripe_events import field_types, unexpanded
from tests.integration.conftest import WebhookReceiver
from tests.integration.localstripe_billing_support import (
    Hooks,
    customer_with_card,
    hooks_fixture,
    product_and_prices,
    subscribe,
)

AUTH = ("sk_test_it", "")
SECRET = "whsec_it_events"


@pytest.fixture
def hooks(stripe_api: str, webhook_receiver: Any) -> Iterator[Hooks]:
    yield from hooks_fixture(stripe_api, webhook_receiver)


def test_payment_intent_events_carry_the_sdk_version_and_the_charge_id(stripe_api: str, webhook_receiver: Any) -> None:
    receiver: WebhookReceiver = webhook_receiver(lambda body, sig: (200, "ok"), SECRET)
    hold = {"amount": "4900", "currency": "eur", "capture_method": "manual", "allowed_payment_method_types[]": "card"}
    intent = requests.post(f"{stripe_api}/v1/payment_intents", data=hold, auth=AUTH, timeout=5).json()
    requests.post(
        f"{stripe_api}/v1/payment_intents/{intent['id']}/confirm",
        data={"payment_method": "pm_card_visa"},
        headers={"Idempotency-Key": "confirm:e1"},
        auth=AUTH,
        timeout=5,
    ).raise_for_status()

    def mine(x: dict[str, Any]) -> bool:  # not an event of an earlier test still in the delivery queue
        event = x["event"]
        return bool(
            event["type"] == "payment_intent.amount_capturable_updated"
            and event["data"]["object"]["id"] == intent["id"]
        )

    event = next(x["event"] for x in receiver.wait_for(lambda d: any(mine(x) for x in d)) if mine(x))
    assert event["api_version"] == _ApiVersion.CURRENT == "2026-10-28.endive"
    assert event["object"] == "event" and event["pending_webhooks"] == 1
    assert event["request"]["idempotency_key"] == "confirm:e1" and event["request"]["id"].startswith("req_")
    charge = event["data"]["object"]["latest_charge"]
    assert isinstance(charge, str) and charge.startswith("ch_")
    assert event["data"]["object"]["payment_method"].startswith("pm_")
    listed = requests.get(f"{stripe_api}/v1/events/{event['id']}", auth=AUTH, timeout=5).json()
    assert listed["data"] == event["data"] and listed["api_version"] == _ApiVersion.CURRENT


def test_billing_events_carry_ids_and_keep_the_lists_stripe_embeds(stripe_api: str, hooks: Hooks) -> None:
    _product, monthly, _yearly = product_and_prices(stripe_api)
    customer, method = customer_with_card(stripe_api)
    subscribe(stripe_api, customer, monthly, method)
    hooks.wait("customer.subscription.created", "invoice.paid")
    assert {e["api_version"] for e in hooks.events()} == {_ApiVersion.CURRENT}

    sub = hooks.last("customer.subscription.created")["data"]["object"]
    assert sub["customer"] == customer.id
    assert sub["latest_invoice"] is None or isinstance(sub["latest_invoice"], str)
    assert isinstance(sub["default_payment_method"], str)
    [item] = sub["items"]["data"]  # a list Stripe embeds: its items stay objects
    assert item["object"] == "subscription_item" and item["price"]["object"] == "price"
    assert item["price"]["product"] == monthly.product  # expandable inside the embedded price: an id

    invoice = hooks.last("invoice.paid")["data"]["object"]
    assert invoice["customer"] == customer.id
    declared = field_types(stripe.Invoice)  # a field the pinned version removed is test_localstripe_shapes' concern
    embedded = [k for k, v in invoice.items() if k in declared and isinstance(v, dict) and "id" in v]
    assert embedded == [], embedded
    assert invoice["lines"]["object"] == "list" and invoice["lines"]["data"]


def test_embedded_objects_in_expandable_fields_become_ids_at_every_depth() -> None:
    invoice = {
        "object": "invoice",
        "id": "in_1",
        "customer": {"object": "customer", "id": "cus_1"},
        "discounts": [{"object": "discount", "id": "di_1"}],
        "parent": {"type": "subscription_details", "subscription_details": {"subscription": {"id": "sub_1"}}},
        "lines": {"object": "list", "data": [{"object": "line_item", "id": "il_1", "subscription": {"id": "sub_1"}}]},
        "status_transitions": {"paid_at": 1},
        "metadata": {"subscription": "kept as it is"},
    }
    assert unexpanded(invoice) == {
        **invoice,
        "customer": "cus_1",
        "discounts": ["di_1"],
        "parent": {"type": "subscription_details", "subscription_details": {"subscription": "sub_1"}},
        "lines": {"object": "list", "data": [{"object": "line_item", "id": "il_1", "subscription": "sub_1"}]},
    }
    kept = unexpanded(invoice, keep=("customer", "parent.subscription_details.subscription"))
    assert kept["customer"] == {"object": "customer", "id": "cus_1"}
    assert kept["parent"]["subscription_details"]["subscription"] == {"id": "sub_1"}
    assert kept["discounts"] == ["di_1"]


class Exported:
    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body

    def _export(self, expand: Any = None) -> dict[str, Any]:
        return self.body


def test_previous_attributes_are_unexpanded_like_the_object(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Event, "__init__", localstripe_events._init)
    monkeypatch.setattr(Event, "_export", localstripe_events._export)
    invoice = {"object": "invoice", "id": "in_2", "customer": "cus_1"}
    sub = {"object": "subscription", "id": "sub_1", "customer": "cus_1", "latest_invoice": invoice}
    event = Event("customer.subscription.updated", Exported(sub))
    event.data["previous_attributes"] = {"latest_invoice": {**invoice, "id": "in_1"}, "status": "incomplete"}
    exported = event._export()
    assert exported["api_version"] == _ApiVersion.CURRENT
    assert exported["data"]["object"]["latest_invoice"] == "in_2"
    assert exported["data"]["previous_attributes"] == {"latest_invoice": "in_1", "status": "incomplete"}
    assert event.data["object"]["latest_invoice"] == invoice  # what localstripe holds is left as it is
