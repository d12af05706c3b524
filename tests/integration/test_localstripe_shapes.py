"""The objects and events the product consumes, as the local Stripe returns them, have the shape
the pinned stripe library (16.1.0, API version 2026-10-28.endive) declares: every field returned
is declared on the library's resource class (nested objects included), and every field the
product reads is there. A field the pinned version removed (e.g. `Invoice.payment_intent`,
`Invoice.subscription`) fails here, so the local Stripe cannot hide it again."""

from __future__ import annotations

import typing
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import stripe
from stripe._api_version import _ApiVersion
from stripe._object_classes import OBJECT_CLASSES, get_object_class

from tests.integration.conftest import WebhookReceiver
from tests.integration.localstripe_billing_support import (
    Hooks,
    customer_with_card,
    hooks_fixture,
    product_and_prices,
    subscribe,
)

AUTH = ("sk_test_it", "")
SECRET = "whsec_it_shapes"
HOLD = {"amount": "4900", "currency": "eur", "capture_method": "manual", "allowed_payment_method_types[]": "card"}

# What the product reads (shared/services, shared/adapters), as dotted paths; `[]` is each element.
PAYMENT_INTENT_READS = (
    "id",
    "object",
    "status",
    "amount",
    "currency",
    "amount_capturable",
    "amount_received",
    "client_secret",
    "metadata",
    "latest_charge",
    "last_payment_error",
    "cancellation_reason",
)
CHARGE_READS = ("id", "payment_intent", "captured", "status", "payment_method_details.card.capture_before")
EVENT_READS = ("id", "object", "type", "created", "api_version", "data.object")
SUBSCRIPTION_READS = (
    "id",
    "status",
    "customer",
    "metadata",
    "created",
    "latest_invoice",
    "cancel_at_period_end",
    "canceled_at",
    "trial_start",
    "trial_end",
    "pending_setup_intent",
    "items.data[].id",
    "items.data[].current_period_start",
    "items.data[].current_period_end",
    "items.data[].price.id",
    "items.data[].price.currency",
    "items.data[].price.unit_amount",
    "items.data[].price.recurring.interval",
)
INVOICE_READS = (
    "id",
    "customer",
    "currency",
    "status",
    "amount_due",
    "parent.type",
    "parent.subscription_details.subscription",
    "parent.subscription_details.metadata",
)
INVOICE_EXPANDED_READS = (  # Stripe includes these only when expanded (the product expands them)
    "confirmation_secret",
    "payments.data[].is_default",
    "payments.data[].payment.type",
    "payments.data[].payment.payment_intent",
)


def declared(cls: type[Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        fields.update(getattr(klass, "__annotations__", {}))
    fields.pop("OBJECT_NAME", None)
    return fields


def _class_in(annotation: Any) -> type[Any] | None:
    """The StripeObject class a field's annotation holds, if any (nested classes included)."""
    if isinstance(annotation, type) and issubclass(annotation, stripe.StripeObject):
        return annotation
    for arg in typing.get_args(annotation):
        found = _class_in(arg)
        if found is not None:
            return found
    return None


def undeclared(value: Any, cls: type[Any] | None, path: str) -> list[str]:
    """The dotted paths of the fields in `value` that the pinned library does not declare."""
    if isinstance(value, list):
        return [problem for item in value for problem in undeclared(item, cls, f"{path}[]")]
    if not isinstance(value, dict):
        return []
    name = value.get("object")
    if name == "list":
        extra = [f"{path}.{key}" for key in value if key not in ("object", "data", "has_more", "url")]
        return extra + undeclared(value.get("data") or [], None, f"{path}.data")
    if isinstance(name, str) and name in OBJECT_CLASSES:
        cls = get_object_class("V1", name)
    if cls is None or issubclass(cls, stripe.ListObject) or cls.__name__ == "UntypedStripeObject":
        return []
    fields = declared(cls)
    problems: list[str] = []
    for key, item in value.items():
        if key not in fields:
            problems.append(f"{path}.{key}")
        else:
            problems += undeclared(item, _class_in(fields[key]), f"{path}.{key}")
    return problems


def missing(value: Any, reads: tuple[str, ...]) -> list[str]:
    """The paths the product reads that `value` lacks (a null value counts as present)."""

    def lacks(node: Any, parts: list[str]) -> bool:
        if not parts:
            return False
        head, rest = parts[0], parts[1:]
        if head.endswith("[]"):
            items = node.get(head[:-2]) if isinstance(node, dict) else None
            return not isinstance(items, list) or not items or any(lacks(item, rest) for item in items)
        if not isinstance(node, dict) or head not in node:
            return True
        return node[head] is not None and lacks(node[head], rest)

    return [path for path in reads if lacks(value, path.split("."))]


def shape_problems(obj: dict[str, Any], cls: type[Any], reads: tuple[str, ...]) -> list[str]:
    return [f"not in stripe {cls.__name__}: {p}" for p in undeclared(obj, cls, obj.get("object", "?"))] + [
        f"read by the product but absent: {p}" for p in missing(obj, reads)
    ]


def get(url: str, path: str, **params: Any) -> dict[str, Any]:
    response = requests.get(f"{url}{path}", params=params, auth=AUTH, timeout=5)
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


def post(url: str, path: str, **data: Any) -> dict[str, Any]:
    response = requests.post(f"{url}{path}", data=data, auth=AUTH, timeout=5)
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def hooks(stripe_api: str, webhook_receiver: Any) -> Iterator[Hooks]:
    yield from hooks_fixture(stripe_api, webhook_receiver)


@pytest.fixture
def booking(stripe_api: str, webhook_receiver: Any) -> dict[str, Any]:
    """One hold through its life: created, authorised, captured; another cancelled; the events."""
    receiver: WebhookReceiver = webhook_receiver(lambda body, sig: (200, "ok"), SECRET)
    intent = post(stripe_api, "/v1/payment_intents", **HOLD)
    authorised = post(stripe_api, f"/v1/payment_intents/{intent['id']}/confirm", payment_method="pm_card_visa")
    expanded = get(stripe_api, f"/v1/payment_intents/{intent['id']}", **{"expand[]": "latest_charge"})
    charge = get(stripe_api, f"/v1/charges/{authorised['latest_charge']}")
    captured = post(stripe_api, f"/v1/payment_intents/{intent['id']}/capture")
    other = post(stripe_api, "/v1/payment_intents", **HOLD)
    canceled = post(stripe_api, f"/v1/payment_intents/{other['id']}/cancel")
    types = ("payment_intent.amount_capturable_updated", "payment_intent.succeeded", "payment_intent.canceled")
    ids = {intent["id"], other["id"]}  # not the events of an earlier test still being delivered

    def events(deliveries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [x["event"] for x in deliveries if x["event"]["data"]["object"].get("id") in ids]

    deliveries = receiver.wait_for(lambda d: set(types) <= {e["type"] for e in events(d)})
    return {
        "intents": [intent, authorised, expanded, captured, canceled],
        "charge": charge,
        "events": events(deliveries),
    }


def test_payment_intents_have_the_pinned_shape(booking: dict[str, Any]) -> None:
    problems = [p for intent in booking["intents"] for p in shape_problems(intent, stripe.PaymentIntent, ())]
    problems += shape_problems(booking["intents"][-1], stripe.PaymentIntent, PAYMENT_INTENT_READS)
    problems += shape_problems(booking["intents"][1], stripe.PaymentIntent, PAYMENT_INTENT_READS)
    assert problems == []
    assert isinstance(booking["intents"][1]["latest_charge"], str)


def test_charges_have_the_pinned_shape(booking: dict[str, Any]) -> None:
    assert shape_problems(booking["charge"], stripe.Charge, CHARGE_READS) == []
    assert shape_problems(booking["intents"][2]["latest_charge"], stripe.Charge, CHARGE_READS) == []


def test_events_have_the_pinned_envelope_and_version(booking: dict[str, Any]) -> None:
    assert event_problems(booking["events"], "payment_intent.", stripe.PaymentIntent, PAYMENT_INTENT_READS) == []
    assert {event["api_version"] for event in booking["events"]} == {_ApiVersion.CURRENT}
    assert len(booking["events"]) == 3


def test_the_check_fails_on_fields_the_pinned_version_removed() -> None:
    invoice = {"object": "invoice", "id": "in_1", "payment_intent": "pi_1", "subscription": "sub_1", "paid": True}
    assert undeclared(invoice, None, "invoice") == ["invoice.payment_intent", "invoice.subscription", "invoice.paid"]
    nested = {"object": "payment_intent", "id": "pi_1", "transfer_data": {"destination": "acct_1", "fee": 1}}
    assert undeclared(nested, None, "pi") == ["pi.transfer_data.fee"]
    listed = {"object": "list", "data": [{"object": "charge", "id": "ch_1", "invoice": None}], "total_count": 1}
    assert undeclared(listed, None, "l") == ["l.total_count", "l.data[].invoice"]
    assert missing({"id": "in_1", "parent": None}, ("parent.subscription_details.subscription", "status")) == ["status"]


@pytest.fixture
def billing(stripe_api: str, hooks: Hooks) -> dict[str, Any]:
    """A monthly subscription paid at once: the subscription, its first invoice, their events."""
    _product, monthly, _yearly = product_and_prices(stripe_api)
    customer, method = customer_with_card(stripe_api)
    created = subscribe(stripe_api, customer, monthly, method)
    hooks.wait("customer.subscription.created", "invoice.paid")
    subscription = get(stripe_api, f"/v1/subscriptions/{created.id}")
    path = f"/v1/invoices/{subscription['latest_invoice']}"
    expand = {"expand[]": ["confirmation_secret", "payments"]}
    expanded = requests.get(f"{stripe_api}{path}", params=expand, auth=AUTH, timeout=5)
    return {
        "subscription": subscription,
        "invoice": get(stripe_api, path),
        "expanded_invoice": expanded.json() if expanded.ok else {"refused": expanded.text},
        "events": hooks.events(),
    }


def event_problems(events: list[dict[str, Any]], prefix: str, cls: type[Any], reads: tuple[str, ...]) -> list[str]:
    problems: list[str] = []
    for event in (e for e in events if e["type"].startswith(prefix)):
        envelope = {**event, "data": {**event["data"], "object": {}}}  # the object is checked on its own
        problems += [f"{event['type']}: {p}" for p in shape_problems(envelope, stripe.Event, EVENT_READS)]
        problems += [f"{event['type']}: {p}" for p in shape_problems(event["data"]["object"], cls, reads)]
    return sorted(set(problems))


def test_subscriptions_have_the_pinned_shape(billing: dict[str, Any]) -> None:
    problems = shape_problems(billing["subscription"], stripe.Subscription, SUBSCRIPTION_READS)
    problems += event_problems(billing["events"], "customer.subscription.", stripe.Subscription, SUBSCRIPTION_READS)
    assert not problems, "\n".join(problems)


def test_invoices_have_the_pinned_shape(billing: dict[str, Any]) -> None:
    problems = shape_problems(billing["invoice"], stripe.Invoice, INVOICE_READS)
    problems += [
        f"expanded: {p}" for p in shape_problems(billing["expanded_invoice"], stripe.Invoice, INVOICE_EXPANDED_READS)
    ]
    problems += event_problems(billing["events"], "invoice.", stripe.Invoice, INVOICE_READS)
    assert not problems, "\n".join(problems)


def test_the_payment_intents_paying_invoices_have_the_pinned_shape(billing: dict[str, Any], stripe_api: str) -> None:
    """localstripe links an invoice's PaymentIntent through its `invoice` (removed at this version)."""
    events = [e for e in billing["events"] if e["type"].startswith("payment_intent.")]
    assert events, "the first invoice was paid through a PaymentIntent"
    intent = get(stripe_api, f"/v1/payment_intents/{events[-1]['data']['object']['id']}")
    problems = event_problems(events, "payment_intent.", stripe.PaymentIntent, PAYMENT_INTENT_READS)
    problems += shape_problems(intent, stripe.PaymentIntent, PAYMENT_INTENT_READS)
    assert not problems, "\n".join(problems)
    assert "invoice" not in intent
