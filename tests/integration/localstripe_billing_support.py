"""Helpers for the localstripe Billing tests: a Stripe client, the local-only controls, and the
signed webhooks one test receives (verified with its own secret, in delivery order)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import requests
import stripe

from tests.integration.conftest import WebhookReceiver

AUTH = ("sk_test_it", "")
FAST_DELAY = 0.02


def client(url: str) -> Any:
    return stripe.StripeClient("sk_test_it", base_addresses={"api": url})


def control(url: str, path: str, **data: Any) -> Any:
    response = requests.post(f"{url}{path}", json=data, auth=AUTH, timeout=10)
    response.raise_for_status()
    return response.json()


def advance(url: str, seconds: int) -> Any:
    return control(url, "/_test/clock/advance", seconds=seconds)


def now(url: str) -> int:
    return int(requests.get(f"{url}/_test/clock", auth=AUTH, timeout=5).json()["now"])


class Hooks:
    """The events of one test, as its webhook endpoint received them."""

    def __init__(self, url: str, make: Callable[..., WebhookReceiver]) -> None:
        self.url = url
        self.secret = "whsec_" + uuid.uuid4().hex
        control(url, "/_test/webhooks/delay", seconds=FAST_DELAY)
        deadline = time.monotonic() + 10  # events of an earlier test must not reach this endpoint
        while requests.get(f"{url}/_test/webhooks", auth=AUTH, timeout=5).json()["pending"]:
            assert time.monotonic() < deadline, "earlier webhooks never drained"
            time.sleep(0.02)
        self.receiver = make(self._respond, self.secret)

    def _respond(self, body: bytes, signature: str | None) -> tuple[int, str]:
        try:
            stripe.Webhook.construct_event(body.decode(), signature or "", self.secret)
        except (ValueError, stripe.SignatureVerificationError):
            return 400, "bad signature"
        return 200, "ok"

    def events(self) -> list[dict[str, Any]]:
        with self.receiver._cond:
            return [d["event"] for d in self.receiver.deliveries if d["status"] == 200]

    def types(self) -> list[str]:
        return [e["type"] for e in self.events()]

    def wait(self, *types: str, timeout: float = 10) -> list[dict[str, Any]]:
        """Wait until `types` were received in this order (others may come in between)."""

        def done(deliveries: list[dict[str, Any]]) -> bool:
            return _in_order([d["event"]["type"] for d in deliveries if d["status"] == 200], list(types))

        self.receiver.wait_for(done, timeout=timeout)
        return self.events()

    def last(self, type: str) -> dict[str, Any]:
        return [e for e in self.events() if e["type"] == type][-1]

    def settle(self) -> list[str]:
        """Every event sent so far has been delivered; the types received."""
        deadline = time.monotonic() + 10
        while requests.get(f"{self.url}/_test/webhooks", auth=AUTH, timeout=5).json()["pending"]:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        return self.types()


def _in_order(got: list[str], expected: list[str]) -> bool:
    remaining = iter(got)
    return all(any(t == e for t in remaining) for e in expected)


def hooks_fixture(stripe_api: str, webhook_receiver: Callable[..., WebhookReceiver]) -> Iterator[Hooks]:
    yield Hooks(stripe_api, webhook_receiver)
    control(stripe_api, "/_test/webhooks/delay", seconds=1)


def product_and_prices(url: str) -> tuple[Any, Any, Any]:
    api = client(url).v1
    product = api.products.create(params={"name": "AI assistant", "metadata": {"plan": "ai"}})
    monthly = api.prices.create(
        params={
            "product": product.id,
            "unit_amount": 3000,
            "currency": "eur",
            "recurring": {"interval": "month"},
            "lookup_key": "ai_monthly",
        }
    )
    yearly = api.prices.create(
        params={"product": product.id, "unit_amount": 30000, "currency": "eur", "recurring": {"interval": "year"}}
    )
    return product, monthly, yearly


def customer_with_card(url: str, card: str = "pm_card_visa") -> tuple[Any, Any]:
    api = client(url).v1
    customer = api.customers.create(params={"email": "client@example.com"})
    method = api.payment_methods.attach(card, params={"customer": customer.id})
    return customer, method


def subscribe(url: str, customer: Any, price: Any, method: Any | None = None, **params: Any) -> Any:
    body: dict[str, Any] = {"customer": customer.id, "items": [{"price": price.id}], **params}
    if method is not None:
        body["default_payment_method"] = method.id
    return client(url).v1.subscriptions.create(params=body)


def period(sub: Any) -> tuple[int, int]:
    """A subscription's current period: on its item at the pinned API version, not at the top."""
    item = sub["items"]["data"][0]
    return int(item["current_period_start"]), int(item["current_period_end"])


def is_proration(line: Any) -> bool:
    """A line's proration flag, under `parent` at the pinned API version."""
    parent = line["parent"]
    return bool(parent[parent["type"]]["proration"])
