"""The PayPal Payouts adapter against the local PayPal simulator (devtools/paypal_sim), served in-process
with a webhook listener: a withdrawal pays once whatever is retried, refusals and outages map to the
port's errors, the token is kept and renewed, records follow the virtual clock, and real deliveries
verify while forged ones do not. Every HTTP call the adapter makes is recorded by wrapping
``requests.Session.request``; nothing waits on wall time except the one timeout case."""

from __future__ import annotations

import base64
import logging
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from devtools.paypal_sim import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_WEBHOOK_ID,
    SimulatorThread,
)
from shared.payouts.adapters import paypal_payouts
from shared.payouts.adapters.paypal_payouts import HttpPayPalPayouts, major_units, minor_units
from shared.payouts.ports.rails import PayoutRecord, RailRefused, RailUnavailable
from tests.integration.webhook_listener import WebhookListener

ROOT = Path(__file__).resolve().parents[2]
ADAPTER_LOGGER = "shared.payouts.adapters.paypal_payouts"
RECEIVER = "affiliate@example.com"


@dataclass
class Call:
    """One request the adapter sent, and the status it got (None: no answer)."""

    method: str
    path: str
    headers: dict[str, str]
    status: int | None = None


@dataclass
class PayPal:
    """The simulator as a test sees it: its base URL, its control API, the adapter's calls and sleeps."""

    base: str
    listener: WebhookListener
    calls: list[Call]
    sleeps: list[float] = field(default_factory=list)

    def control(self, method: str, path: str, body: Any = None) -> Any:
        r = requests.request(method, f"{self.base}/_control{path}", json=body, timeout=30)
        assert r.status_code == 200, r.text
        return r.json()

    def payouts(self) -> dict[str, Any]:
        paid: dict[str, Any] = self.control("GET", "/payouts")
        return paid

    def adapter(self, **options: Any) -> HttpPayPalPayouts:
        options.setdefault("sleep", self.sleeps.append)
        return HttpPayPalPayouts(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_WEBHOOK_ID, self.base, **options)

    def paths(self, method: str, path: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.path == path]

    def request_ids(self) -> list[str]:
        return [c.headers["PayPal-Request-Id"] for c in self.paths("POST", "/v1/payments/payouts")]


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[SimulatorThread, WebhookListener]]:
    with WebhookListener("/paypal/webhook") as listener, SimulatorThread() as sim:
        yield sim, listener


@pytest.fixture
def paypal(servers: tuple[SimulatorThread, WebhookListener], monkeypatch: pytest.MonkeyPatch) -> Iterator[PayPal]:
    sim, listener = servers
    calls: list[Call] = []
    original: Callable[..., requests.Response] = requests.Session.request

    def recording(session: requests.Session, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:
        call = Call(method, urlsplit(url).path, dict(kwargs.get("headers") or {}))
        if url.startswith(f"{sim.base_url}/v1/"):
            calls.append(call)
        response = original(session, method, url, *args, **kwargs)
        call.status = response.status_code
        return response

    monkeypatch.setattr(requests.Session, "request", recording)
    paypal_payouts.ACCESS_TOKENS.clear()
    listener.clear()
    client = PayPal(sim.base_url, listener, calls)
    client.control("POST", "/reset")
    client.control("POST", "/webhook", {"url": listener.url})
    yield client
    client.control("POST", "/reset")  # releases an answer still held by a timeout fault


def send(adapter: HttpPayPalPayouts, withdrawal_id: str = "wd-1001", **changes: Any) -> str:
    request: dict[str, Any] = {
        "withdrawal_id": withdrawal_id,
        "receiver_email": RECEIVER,
        "amount": 6000,
        "currency": "usd",
        "note": "SOS-Expat commissions, July",
        **changes,
    }
    return adapter.send(**request).reference


# -- paying once -----------------------------------------------------------------------------------
def test_a_send_pays_one_batch_of_one_item_and_returns_its_id(paypal: PayPal, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=ADAPTER_LOGGER)
    sent = paypal.adapter().send(
        withdrawal_id="wd-1001", receiver_email=RECEIVER, amount=6000, currency="usd", note="July"
    )
    assert sent.status == "PENDING"
    [batch] = paypal.payouts()["batches"]
    header = batch["batch_header"]["sender_batch_header"]
    assert header["sender_batch_id"] == "wd-1001" and header["recipient_type"] == "EMAIL"
    assert header["email_subject"] and header["email_message"]
    [item] = batch["items"]
    assert item["payout_item_id"] == sent.reference
    assert item["payout_item"] == {
        "recipient_type": "EMAIL",
        "amount": {"currency": "USD", "value": "60.00"},
        "receiver": RECEIVER,
        "note": "July",
        "sender_item_id": "wd-1001",
    }
    assert paypal.request_ids() == ["wd-1001:1"]
    logged = [r.getMessage() for r in caplog.records if r.name == ADAPTER_LOGGER and r.levelno == logging.INFO]
    batch_path = f"/v1/payments/payouts/{batch['batch_header']['payout_batch_id']}"
    assert all(re.search(r" PayPal-Debug-Id=[0-9a-f]{13}$", m) for m in logged), logged
    assert [m.split(" PayPal-Debug-Id=")[0] for m in logged] == [
        "PayPal POST /v1/oauth2/token -> 200",
        "PayPal POST /v1/payments/payouts -> 201",
        f"PayPal GET {batch_path} -> 200",
    ]


def test_the_same_withdrawal_sent_twice_pays_once(paypal: PayPal) -> None:
    first = send(paypal.adapter())
    assert send(paypal.adapter()) == first  # another instance, as another Cloud Functions instance would
    paypal_payouts.ACCESS_TOKENS.clear()
    assert send(paypal.adapter(), note="clicked twice") == first
    paid = paypal.payouts()
    assert len(paid["batches"]) == 1 and [i["payout_item_id"] for i in paid["items"]] == [first]


def test_a_send_retried_after_server_errors_pays_once(paypal: PayPal) -> None:
    paypal.control("POST", "/faults", {"next_5xx": 2})
    adapter = paypal.adapter()
    reference = send(adapter)
    assert paypal.request_ids() == ["wd-1001:1", "wd-1001:2", "wd-1001:3"]  # a new id after each 500
    assert paypal.sleeps == [0.5, 1.0]
    paypal.calls.clear()
    assert send(adapter) == reference  # "wd-1001:1" got a 500, so this is the duplicate batch answer
    posted, shown = paypal.calls
    assert (posted.method, posted.status) == ("POST", 400)
    assert (shown.method, shown.status) == ("GET", 200) and shown.path.startswith("/v1/payments/payouts/")
    assert len(paypal.payouts()["items"]) == 1


def test_server_errors_beyond_the_tries_are_unavailable_and_a_later_send_pays_once(paypal: PayPal) -> None:
    paypal.control("POST", "/faults", {"next_5xx": 3})
    adapter = paypal.adapter()
    with pytest.raises(RailUnavailable, match="HTTP 500 after 3 tries"):
        send(adapter)
    assert paypal.payouts()["batches"] == []
    reference = send(adapter)
    assert send(adapter) == reference
    assert [i["payout_item_id"] for i in paypal.payouts()["items"]] == [reference]


def test_a_send_whose_answer_timed_out_pays_once(paypal: PayPal) -> None:
    paypal.control("POST", "/faults", {"next_timeout_seconds": 30})
    adapter = paypal.adapter(timeout=1.5)
    reference = send(adapter)
    first, retried, shown = paypal.paths("POST", "/v1/payments/payouts") + paypal.paths(
        "GET", f"/v1/payments/payouts/{paypal.payouts()['batches'][0]['batch_header']['payout_batch_id']}"
    )
    assert first.status is None and first.headers["PayPal-Request-Id"] == "wd-1001:1"
    assert retried.status == 400 and retried.headers["PayPal-Request-Id"] == "wd-1001:2"
    assert shown.status == 200
    assert send(adapter) == reference  # "wd-1001:1" was carried out: PayPal replays its 201
    paid = paypal.payouts()
    assert len(paid["batches"]) == 1 and [i["payout_item_id"] for i in paid["items"]] == [reference]


# -- refusals --------------------------------------------------------------------------------------
def test_a_bad_receiver_is_refused_naming_it(paypal: PayPal, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=ADAPTER_LOGGER)
    with pytest.raises(RailRefused) as refused:
        send(paypal.adapter(), receiver_email="not-an-email")
    assert re.search(r"PayPal POST /v1/payments/payouts -> 400 PayPal-Debug-Id=[0-9a-f]{13}$", caplog.text, re.M)
    assert refused.value.code == "VALIDATION_ERROR"
    assert "items[0].receiver: Receiver is invalid or does not match with type" in refused.value.message
    assert len(paypal.paths("POST", "/v1/payments/payouts")) == 1  # refused for good: not tried again
    assert paypal.payouts()["batches"] == []


@pytest.mark.parametrize(
    ("amount", "currency", "value"),
    [(6000, "usd", "60.00"), (5, "USD", "0.05"), (123456, "eur", "1234.56"), (6000, "jpy", "6000")],
)
def test_amounts_are_major_units_with_the_currency_decimals(amount: int, currency: str, value: str) -> None:
    assert major_units(amount, currency) == value
    assert minor_units(value, currency) == amount


def test_a_zero_decimal_currency_is_paid_in_whole_units_and_an_unhandled_one_is_refused(paypal: PayPal) -> None:
    adapter = paypal.adapter()
    reference = send(adapter, currency="jpy", amount=6000)
    [item] = paypal.payouts()["items"]
    assert item["payout_item"]["amount"] == {"currency": "JPY", "value": "6000"}
    assert (adapter.record(reference).amount, adapter.record(reference).currency) == (6000, "jpy")
    assert minor_units("1,234.56", "USD") == 123456
    with pytest.raises(RailRefused, match="UNSUPPORTED_CURRENCY"):
        send(adapter, "wd-huf", currency="huf")


def test_importing_the_adapter_does_not_import_requests() -> None:
    code = "import sys, shared.payouts.adapters.paypal_payouts; assert 'requests' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60)


# -- the access token ------------------------------------------------------------------------------
def test_the_token_is_fetched_once_and_again_after_a_reset_or_its_expiry(
    paypal: PayPal, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    adapter = paypal.adapter()
    reference = send(adapter)
    adapter.record(reference)
    paypal.adapter().record(reference)  # another instance of the same app in the process
    tokens = paypal.paths("POST", "/v1/oauth2/token")
    assert len(tokens) == 1 and tokens[0].status == 200
    first_token = paypal.calls[-1].headers["Authorization"]

    paypal.control("POST", "/reset")  # PayPal forgets the token: the next call is a 401
    paypal.calls.clear()
    renewed = send(adapter, "wd-1002")
    assert [(c.method, c.path, c.status) for c in paypal.calls[:3]] == [
        ("POST", "/v1/payments/payouts", 401),
        ("POST", "/v1/oauth2/token", 200),
        ("POST", "/v1/payments/payouts", 201),
    ]
    assert paypal.request_ids() == ["wd-1002:1", "wd-1002:1"]  # the 401 was not an attempt
    assert paypal.calls[2].headers["Authorization"] != first_token
    assert adapter.record(renewed).reference == renewed and len(paypal.paths("POST", "/v1/oauth2/token")) == 1

    key = (paypal.base, DEFAULT_CLIENT_ID)
    paypal_payouts.ACCESS_TOKENS[key] = (paypal_payouts.ACCESS_TOKENS[key][0], time.monotonic() - 1)
    adapter.record(renewed)
    assert len(paypal.paths("POST", "/v1/oauth2/token")) == 2  # expired here: fetched before any 401
    assert all(c.status != 401 for c in paypal.calls[3:])

    text = caplog.text
    assert DEFAULT_CLIENT_SECRET not in text and first_token.split()[1] not in text
    assert paypal_payouts.ACCESS_TOKENS[key][0] not in text


def test_wrong_client_credentials_are_unavailable_not_refused(paypal: PayPal) -> None:
    adapter = HttpPayPalPayouts(
        DEFAULT_CLIENT_ID, "wrong-secret", DEFAULT_WEBHOOK_ID, paypal.base, sleep=paypal.sleeps.append
    )
    with pytest.raises(RailUnavailable, match="client credentials"):
        send(adapter)
    assert paypal.payouts()["batches"] == []


# -- records ---------------------------------------------------------------------------------------
def test_record_follows_the_item_on_the_virtual_clock(paypal: PayPal) -> None:
    adapter = paypal.adapter()
    paid = send(adapter, "wd-paid")
    pending = adapter.record(paid)
    assert (pending.status, pending.paid, pending.amount, pending.currency) == ("PENDING", False, 6000, "usd")
    paypal.control("POST", "/faults", {"item_outcome": "FAILED"})
    failed = send(adapter, "wd-failed", amount=2550)
    paypal.control("POST", "/clock/advance", {"seconds": 60})
    assert adapter.record(paid) == PayoutRecord(paid, "SUCCESS", True, 6000, "usd")
    assert adapter.record(failed) == PayoutRecord(failed, "FAILED", False, 2550, "usd")


def test_record_of_an_unknown_item_is_refused_and_an_outage_is_unavailable(paypal: PayPal) -> None:
    adapter = paypal.adapter()
    with pytest.raises(RailRefused) as refused:
        adapter.record("NOSUCHITEM123")
    assert refused.value.code == "INVALID_RESOURCE_ID"
    reference = send(adapter)
    paypal.control("POST", "/faults", {"next_5xx": 3})
    with pytest.raises(RailUnavailable):
        adapter.record(reference)
    assert adapter.record(reference).status == "PENDING"


# -- webhooks --------------------------------------------------------------------------------------
def test_verify_webhook_accepts_real_deliveries_and_refuses_the_rest(paypal: PayPal) -> None:
    adapter = paypal.adapter()
    send(adapter)
    deliveries = paypal.control("POST", "/clock/advance", {"seconds": 60})["deliveries"]
    assert [d["event_type"] for d in deliveries] == [
        "PAYMENT.PAYOUTSBATCH.PROCESSING",
        "PAYMENT.PAYOUTS-ITEM.SUCCEEDED",
        "PAYMENT.PAYOUTSBATCH.SUCCESS",
    ]
    assert len(paypal.listener.received) == 3
    for delivery in paypal.listener.received:
        assert adapter.verify_webhook(delivery.headers, delivery.event)
    succeeded = paypal.listener.received[1]
    headers, event = succeeded.headers, succeeded.event
    assert adapter.verify_webhook({k.lower(): v for k, v in headers.items()}, event)

    item = event["resource"]["payout_item"]
    tampered = {**event, "resource": {**event["resource"], "payout_item": {**item, "receiver": "thief@example.com"}}}
    assert not adapter.verify_webhook(headers, tampered)
    forged = {**headers, "PAYPAL-TRANSMISSION-SIG": base64.b64encode(b"\x01" * 256).decode()}
    assert not adapter.verify_webhook(forged, event)
    other = paypal.listener.received[2].headers  # another transmission's signature
    assert not adapter.verify_webhook(other, event)
    other_webhook = HttpPayPalPayouts(
        DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, "WHOTHER", paypal.base, sleep=paypal.sleeps.append
    )
    assert not other_webhook.verify_webhook(headers, event)
    malformed = {**headers, "PAYPAL-TRANSMISSION-TIME": "yesterday"}  # PayPal answers 400
    assert not adapter.verify_webhook(malformed, event)
    assert paypal.paths("POST", "/v1/notifications/verify-webhook-signature")[-1].status == 400

    verified = len(paypal.paths("POST", "/v1/notifications/verify-webhook-signature"))
    signed = [name for name in headers if name.upper().startswith("PAYPAL-")]
    assert len(signed) == 5
    for name in signed:
        assert not adapter.verify_webhook({k: v for k, v in headers.items() if k != name}, event)
    assert not adapter.verify_webhook({}, event)
    assert len(paypal.paths("POST", "/v1/notifications/verify-webhook-signature")) == verified  # PayPal not asked
