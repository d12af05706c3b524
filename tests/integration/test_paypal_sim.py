"""The PayPal Payouts simulator (devtools/paypal_sim), driven over HTTP as the product would.

The simulator and a tiny webhook listener each run in-process on a free port, in
their own thread. Nothing waits on wall time: payouts move only through
``/_control/clock/advance`` and ``/_control/items/{id}/settle``, which return once
the webhook deliveries they caused have been answered.
"""

from __future__ import annotations

import base64
import json
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from devtools.paypal_sim import (  # noqa: E402
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PORT,
    DEFAULT_WEBHOOK_ID,
    DEFAULT_WEBHOOK_URL,
    SimulatorThread,
)
from devtools.paypal_sim.__main__ import parse_args  # noqa: E402
from tests.integration.webhook_listener import Delivery, WebhookListener  # noqa: E402

DAY = 86400


class PayPal:
    """A thin client of the simulator: PayPal's REST API with a fresh token, and the control API."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url
        self.http = requests.Session()

    def token(self) -> str:
        r = self.http.post(
            f"{self.base}/v1/oauth2/token",
            auth=(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
            data={"grant_type": "client_credentials"},
            timeout=10,
        )
        assert r.status_code == 200, r.text
        return str(r.json()["access_token"])

    def api(self, method: str, path: str, headers: dict[str, str] | None = None, **kw: Any) -> requests.Response:
        kw.setdefault("timeout", 10)
        auth = {"Authorization": f"Bearer {self.token()}", **(headers or {})}
        return self.http.request(method, f"{self.base}{path}", headers=auth, **kw)

    def pay(self, body: dict[str, Any], **kw: Any) -> requests.Response:
        return self.api("POST", "/v1/payments/payouts", json=body, **kw)

    def control(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        r = self.http.request(method, f"{self.base}/_control{path}", json=body, timeout=30)
        assert r.status_code == status, r.text
        return r.json()

    def advance(self, seconds: float) -> dict[str, Any]:
        result: dict[str, Any] = self.control("POST", "/clock/advance", {"seconds": seconds})
        return result

    def verify(self, received: Delivery, **changes: Any) -> str:
        body = {
            "auth_algo": received.headers["PAYPAL-AUTH-ALGO"],
            "cert_url": received.headers["PAYPAL-CERT-URL"],
            "transmission_id": received.headers["PAYPAL-TRANSMISSION-ID"],
            "transmission_sig": received.headers["PAYPAL-TRANSMISSION-SIG"],
            "transmission_time": received.headers["PAYPAL-TRANSMISSION-TIME"],
            "webhook_id": DEFAULT_WEBHOOK_ID,
            "webhook_event": received.event,
            **changes,
        }
        r = self.api("POST", "/v1/notifications/verify-webhook-signature", json=body)
        assert r.status_code == 200, r.text
        return str(r.json()["verification_status"])


def payout(batch_id: str = "affiliate-2026-07-batch-1", *items: dict[str, Any]) -> dict[str, Any]:
    return {
        "sender_batch_header": {
            "sender_batch_id": batch_id,
            "email_subject": "Your SOS-Expat commission",
            "recipient_type": "EMAIL",
        },
        "items": list(items)
        or [
            {
                "recipient_type": "EMAIL",
                "amount": {"value": "60.00", "currency": "USD"},
                "receiver": "affiliate@example.com",
                "note": "Commission July",
                "sender_item_id": "commission-42",
            }
        ],
    }


def created_item_id(paypal: PayPal, response: requests.Response) -> str:
    assert response.status_code == 201, response.text
    batch_id = response.json()["batch_header"]["payout_batch_id"]
    batch = paypal.api("GET", f"/v1/payments/payouts/{batch_id}").json()
    return str(batch["items"][0]["payout_item_id"])


def verifies_offline(paypal: PayPal, received: Delivery) -> bool:
    """The documented check, done by hand: RSA-SHA256 over id|time|webhook_id|crc32(raw body)."""
    pem = requests.get(received.headers["PAYPAL-CERT-URL"], timeout=10)
    assert pem.status_code == 200
    key = x509.load_pem_x509_certificate(pem.content).public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    h = received.headers
    crc = zlib.crc32(received.body)
    message = f"{h['PAYPAL-TRANSMISSION-ID']}|{h['PAYPAL-TRANSMISSION-TIME']}|{DEFAULT_WEBHOOK_ID}|{crc}"
    try:
        key.verify(
            base64.b64decode(h["PAYPAL-TRANSMISSION-SIG"]), message.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
    except InvalidSignature:
        return False
    return True


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[SimulatorThread, WebhookListener]]:
    with WebhookListener("/paypal/webhook") as listener, SimulatorThread() as sim:
        yield sim, listener


@pytest.fixture
def listener(servers: tuple[SimulatorThread, WebhookListener]) -> WebhookListener:
    return servers[1]


@pytest.fixture
def paypal(servers: tuple[SimulatorThread, WebhookListener]) -> PayPal:
    sim, listener = servers
    client = PayPal(sim.base_url)
    client.control("POST", "/reset")
    client.control("POST", "/webhook", {"url": listener.url, "retry_backoff_seconds": [60, 300]})
    listener.clear()
    return client


# -- OAuth2 ----------------------------------------------------------------------------------------
def test_token_is_issued_for_the_client_credentials_and_reused_until_it_expires(paypal: PayPal) -> None:
    url = f"{paypal.base}/v1/oauth2/token"
    form = {"grant_type": "client_credentials"}
    first = requests.post(url, auth=(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET), data=form, timeout=10).json()
    assert set(first) == {"scope", "access_token", "token_type", "app_id", "expires_in", "nonce"}
    assert first["token_type"] == "Bearer" and first["expires_in"] == 32400
    assert "https://uri.paypal.com/services/payments/payouts" in first["scope"]
    paypal.advance(400)
    again = requests.post(url, auth=(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET), data=form, timeout=10).json()
    assert again["access_token"] == first["access_token"] and again["expires_in"] == 32000

    bearer = {"Authorization": f"Bearer {first['access_token']}"}
    assert requests.get(f"{paypal.base}/v1/payments/payouts/NOPE", headers=bearer, timeout=10).status_code == 404
    paypal.advance(32000)
    expired = requests.get(f"{paypal.base}/v1/payments/payouts/NOPE", headers=bearer, timeout=10)
    assert expired.status_code == 401 and expired.json()["name"] == "AUTHENTICATION_FAILURE"
    renewed = requests.post(url, auth=(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET), data=form, timeout=10).json()
    assert renewed["access_token"] != first["access_token"]


def test_token_refusals(paypal: PayPal) -> None:
    url = f"{paypal.base}/v1/oauth2/token"
    form = {"grant_type": "client_credentials"}
    for auth in [(DEFAULT_CLIENT_ID, "wrong-secret"), ("someone-else", DEFAULT_CLIENT_SECRET)]:
        r = requests.post(url, auth=auth, data=form, timeout=10)
        assert r.status_code == 401
        assert r.json() == {"error": "invalid_client", "error_description": "Client Authentication failed"}
    assert requests.post(url, data=form, timeout=10).status_code == 401
    wrong_grant = requests.post(
        url, auth=(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET), data={"grant_type": "password"}, timeout=10
    )
    assert wrong_grant.status_code == 400 and wrong_grant.json()["error"] == "unsupported_grant_type"


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token-it-issued", f"Basic {DEFAULT_CLIENT_SECRET}"])
def test_api_calls_without_a_valid_bearer_token_are_refused(paypal: PayPal, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    r = requests.post(f"{paypal.base}/v1/payments/payouts", json=payout(), headers=headers, timeout=10)
    assert r.status_code == 401
    body = r.json()
    assert body["name"] == "AUTHENTICATION_FAILURE" and body["debug_id"] and body["links"]
    assert paypal.control("GET", "/payouts")["batches"] == []


# -- a payout, its webhooks and their signatures ---------------------------------------------------
def test_payout_settles_with_signed_webhooks_that_verify(paypal: PayPal, listener: WebhookListener) -> None:
    created = paypal.pay(payout())
    assert created.status_code == 201
    header = created.json()["batch_header"]
    assert header["batch_status"] == "PENDING"
    assert header["sender_batch_header"]["sender_batch_id"] == "affiliate-2026-07-batch-1"
    assert created.json()["links"][0]["rel"] == "self"
    batch = paypal.api("GET", f"/v1/payments/payouts/{header['payout_batch_id']}").json()
    assert batch["items"][0]["transaction_status"] == "PENDING"

    step = paypal.advance(60)
    assert [d["event_type"] for d in step["deliveries"]] == [
        "PAYMENT.PAYOUTSBATCH.PROCESSING",
        "PAYMENT.PAYOUTS-ITEM.SUCCEEDED",
        "PAYMENT.PAYOUTSBATCH.SUCCESS",
    ]
    assert all(d["delivered"] and d["status_code"] == 200 for d in step["deliveries"])
    assert [r.event["event_type"] for r in listener.received] == [d["event_type"] for d in step["deliveries"]]

    succeeded = listener.received[1]
    event = succeeded.event
    assert event["id"].startswith("WH-") and event["event_version"] == "1.0"
    assert event["resource_type"] == "payouts_item" and event["summary"]
    item = event["resource"]
    assert item["transaction_status"] == "SUCCESS" and item["time_processed"]
    assert item["payout_item"]["amount"] == {"currency": "USD", "value": "60.00"}
    assert item["payout_item"]["sender_item_id"] == "commission-42"
    assert {link["rel"] for link in event["links"]} == {"self", "resend"}
    assert succeeded.headers["PAYPAL-AUTH-ALGO"] == "SHA256withRSA"
    assert succeeded.body == json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()

    assert verifies_offline(paypal, succeeded)
    assert paypal.verify(succeeded) == "SUCCESS"
    tampered = {
        **event,
        "resource": {**item, "payout_item": {**item["payout_item"], "amount": {"currency": "USD", "value": "600.00"}}},
    }
    assert paypal.verify(succeeded, webhook_event=tampered) == "FAILURE"
    assert not verifies_offline(paypal, Delivery(succeeded.headers, succeeded.body.replace(b"60.00", b"61.00")))
    forged = base64.b64encode(b"\x01" * 256).decode()
    assert paypal.verify(succeeded, transmission_sig=forged) == "FAILURE"
    assert paypal.verify(succeeded, webhook_id="WHOTHERLISTENER") == "FAILURE"
    assert paypal.verify(succeeded, transmission_time="2030-01-01T00:00:00Z") == "FAILURE"
    assert paypal.verify(listener.received[2], webhook_event=event) == "FAILURE"  # another transmission's signature

    batch = paypal.api("GET", f"/v1/payments/payouts/{header['payout_batch_id']}").json()
    assert batch["batch_header"]["batch_status"] == "SUCCESS"
    item_id = batch["items"][0]["payout_item_id"]
    shown = paypal.api("GET", f"/v1/payments/payouts-item/{item_id}").json()
    assert shown["transaction_status"] == "SUCCESS" and shown["transaction_id"]


def test_verify_webhook_signature_refuses_incomplete_requests(paypal: PayPal) -> None:
    r = paypal.api("POST", "/v1/notifications/verify-webhook-signature", json={"auth_algo": "SHA256withRSA"})
    assert r.status_code == 400
    body = r.json()
    assert body["name"] == "VALIDATION_ERROR"
    assert {d["field"] for d in body["details"]} == {
        "cert_url", "transmission_id", "transmission_sig", "transmission_time", "webhook_id", "webhook_event",
    }  # fmt: skip


def test_an_item_settled_by_hand(paypal: PayPal, listener: WebhookListener) -> None:
    item_id = created_item_id(paypal, paypal.pay(payout()))
    settled = paypal.control("POST", f"/items/{item_id}/settle")
    assert settled["item"]["transaction_status"] == "SUCCESS" and settled["batch_status"] == "SUCCESS"
    assert [d["event_type"] for d in settled["deliveries"]] == [
        "PAYMENT.PAYOUTSBATCH.PROCESSING",
        "PAYMENT.PAYOUTS-ITEM.SUCCEEDED",
        "PAYMENT.PAYOUTSBATCH.SUCCESS",
    ]
    assert paypal.advance(3600)["deliveries"] == []  # the timers find nothing left to do
    paypal.control("POST", f"/items/{item_id}/settle", status=409)
    assert len(listener.received) == 3


# -- never paying twice ----------------------------------------------------------------------------
def test_a_sender_batch_id_is_refused_for_30_days(paypal: PayPal) -> None:
    first = paypal.pay(payout("batch-A"))
    original = first.json()["batch_header"]["payout_batch_id"]
    again = paypal.pay(payout("batch-A"))
    assert again.status_code == 400
    error = again.json()
    assert error["name"] == "USER_BUSINESS_ERROR" and error["message"] == "User business error."
    detail = error["details"][0]
    assert detail["field"] == "SENDER_BATCH_ID"
    assert detail["issue"] == "Batch with given sender_batch_id already exists"
    assert detail["link"][0]["href"].endswith(f"/v1/payments/payouts/{original}")
    assert len(paypal.control("GET", "/payouts")["batches"]) == 1

    paypal.advance(30 * DAY - 1)
    assert paypal.pay(payout("batch-A")).status_code == 400
    paypal.advance(1)
    assert paypal.pay(payout("batch-A")).status_code == 201


def test_paypal_request_id_returns_the_first_answer(paypal: PayPal) -> None:
    headers = {"PayPal-Request-Id": "payout-run-7"}
    first = paypal.pay(payout("batch-R"), headers=headers)
    assert first.status_code == 201
    again = paypal.pay(payout("batch-R"), headers=headers)
    assert again.status_code == 201 and again.json() == first.json()
    other_body = paypal.pay(payout("batch-R2"), headers=headers)
    assert other_body.json() == first.json()
    assert len(paypal.control("GET", "/payouts")["batches"]) == 1
    assert paypal.pay(payout("batch-R"), headers={"PayPal-Request-Id": "another"}).status_code == 400


# -- what PayPal refuses ---------------------------------------------------------------------------
def _item(**changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "recipient_type": "EMAIL",
        "amount": {"value": "60.00", "currency": "USD"},
        "receiver": "affiliate@example.com",
        "sender_item_id": "commission-1",
    }
    item.update(changes)
    return {k: v for k, v in item.items() if v is not None}


@pytest.mark.parametrize(
    ("item", "field"),
    [
        (_item(amount={"value": 60, "currency": "USD"}), "items[0].amount.value"),
        (_item(amount={"value": "60.5", "currency": "USD"}), "items[0].amount.value"),
        (_item(amount={"value": "60.001", "currency": "USD"}), "items[0].amount.value"),
        (_item(amount={"value": "12345678.00", "currency": "USD"}), "items[0].amount.value"),
        (_item(amount={"value": "-5.00", "currency": "USD"}), "items[0].amount.value"),
        (_item(amount={"value": "0.00", "currency": "USD"}), "items[0].amount.value"),
        (_item(amount={"value": "6000.50", "currency": "JPY"}), "items[0].amount.value"),
        (_item(amount={"value": "60.00", "currency": "XYZ"}), "items[0].amount.currency"),
        (_item(amount={"value": "60.00"}), "items[0].amount.currency"),
        (_item(receiver="not-an-email"), "items[0].receiver"),
        (_item(receiver=None), "items[0].receiver"),
        (_item(recipient_type="PAYPAL_ID", receiver="affiliate@example.com"), "items[0].receiver"),
        (_item(recipient_type="BANK"), "items[0].recipient_type"),
        (_item(sender_item_id="x" * 64), "items[0].sender_item_id"),
        (_item(recipient_wallet="CASHAPP"), "items[0].recipient_wallet"),
    ],
)
def test_invalid_items_are_refused_with_paypal_validation_errors(
    paypal: PayPal, item: dict[str, Any], field: str
) -> None:
    r = paypal.pay(payout("batch-V", item))
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["name"] == "VALIDATION_ERROR" and body["message"] == "Invalid request - see details"
    assert body["debug_id"] and body["information_link"] and body["links"] == []
    assert [d["field"] for d in body["details"]] == [field]
    assert body["details"][0]["location"] == "body" and body["details"][0]["issue"]
    assert paypal.control("GET", "/payouts")["batches"] == []


def test_batch_level_refusals(paypal: PayPal) -> None:
    long_id = paypal.pay({**payout(), "sender_batch_header": {"sender_batch_id": "b" * 257, "recipient_type": "EMAIL"}})
    assert long_id.json()["details"][0]["field"] == "sender_batch_header.sender_batch_id"
    no_items = paypal.pay({**payout(), "items": []})
    assert no_items.json()["details"] == [
        {"field": "items", "location": "body", "issue": "size must be between 1 and 15000"}
    ]
    too_many = paypal.pay(payout("batch-big", *[_item(sender_item_id=None)] * 15001))
    assert too_many.status_code == 400 and too_many.json()["details"][0]["field"] == "items"
    no_type = paypal.pay({"sender_batch_header": {"sender_batch_id": "t"}, "items": [_item(recipient_type=None)]})
    assert no_type.json()["details"][0] == {
        "field": "items[0].recipient_type",
        "location": "body",
        "issue": "may not be null",
    }
    duplicate = paypal.pay(payout("batch-D", _item(), _item(receiver="other@example.com")))
    assert duplicate.status_code == 400 and duplicate.json()["name"] == "DUPLICATE_ITEM"
    malformed = paypal.api(
        "POST", "/v1/payments/payouts", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert malformed.status_code == 400 and malformed.json()["name"] == "MALFORMED_REQUEST"
    assert paypal.api("GET", "/v1/payments/payouts/UNKNOWN").json()["name"] == "INVALID_RESOURCE_ID"
    assert paypal.control("GET", "/payouts")["batches"] == []
    accepted = paypal.pay(
        payout("batch-ok", _item(amount={"value": "6000", "currency": "JPY"}), _item(sender_item_id="2"))
    )
    assert accepted.status_code == 201


# -- faults ----------------------------------------------------------------------------------------
def test_next_5xx_refuses_before_creating_anything(paypal: PayPal) -> None:
    paypal.control("POST", "/faults", {"next_5xx": 2})
    for _ in range(2):
        r = paypal.pay(payout("batch-5xx"))
        assert r.status_code == 500 and r.json()["name"] == "INTERNAL_SERVER_ERROR"
    assert paypal.control("GET", "/payouts")["batches"] == []
    assert paypal.pay(payout("batch-5xx")).status_code == 201  # the retry with the same sender_batch_id pays once
    assert len(paypal.control("GET", "/payouts")["items"]) == 1


def test_a_timed_out_payout_was_made_and_its_retry_is_refused(paypal: PayPal) -> None:
    paypal.control("POST", "/faults", {"next_timeout_seconds": 5})
    request_id = {"PayPal-Request-Id": "run-T"}
    with pytest.raises(requests.exceptions.ReadTimeout):
        paypal.pay(payout("batch-T"), headers=request_id, timeout=0.5)
    same_request = paypal.pay(payout("batch-T"), headers=request_id)
    assert same_request.status_code == 201 and same_request.json()["batch_header"]["batch_status"] == "PENDING"
    retry = paypal.pay(payout("batch-T"))
    assert retry.status_code == 400
    assert retry.json()["details"][0]["issue"] == "Batch with given sender_batch_id already exists"
    paid = paypal.control("GET", "/payouts")
    assert len(paid["batches"]) == 1 and paid["items"][0]["payout_item"]["sender_item_id"] == "commission-42"
    paypal.control("POST", "/reset")  # releases the held answer


def test_a_failed_item_denies_the_batch_later(paypal: PayPal, listener: WebhookListener) -> None:
    paypal.control("POST", "/faults", {"item_outcome": "FAILED"})
    created = paypal.pay(payout("batch-F"))
    assert created.json()["batch_header"]["batch_status"] == "PENDING"
    assert paypal.control("GET", "/faults")["item_outcome"] is None  # only the next payout
    step = paypal.advance(60)
    assert [d["event_type"] for d in step["deliveries"]] == [
        "PAYMENT.PAYOUTSBATCH.PROCESSING",
        "PAYMENT.PAYOUTS-ITEM.FAILED",
        "PAYMENT.PAYOUTSBATCH.DENIED",
    ]
    item = listener.received[1].event["resource"]
    assert item["transaction_status"] == "FAILED" and item["errors"]["name"] == "RECEIVER_ACCOUNT_INVALID"
    assert "transaction_id" not in item
    assert paypal.verify(listener.received[1]) == "SUCCESS"


def test_an_unclaimed_item_is_returned_after_30_virtual_days(paypal: PayPal, listener: WebhookListener) -> None:
    paypal.control("POST", "/faults", {"item_outcome": "UNCLAIMED"})
    item_id = created_item_id(paypal, paypal.pay(payout("batch-U")))
    step = paypal.advance(60)
    assert [d["event_type"] for d in step["deliveries"]][1:] == [
        "PAYMENT.PAYOUTS-ITEM.UNCLAIMED",
        "PAYMENT.PAYOUTSBATCH.SUCCESS",
    ]
    unclaimed = paypal.api("GET", f"/v1/payments/payouts-item/{item_id}").json()
    assert unclaimed["transaction_status"] == "UNCLAIMED" and unclaimed["errors"]["name"] == "RECEIVER_UNREGISTERED"
    assert paypal.advance(30 * DAY - 120)["deliveries"] == []
    returned = paypal.advance(120)["deliveries"]
    assert [d["event_type"] for d in returned] == ["PAYMENT.PAYOUTS-ITEM.RETURNED"]
    assert listener.received[-1].event["resource"]["transaction_status"] == "RETURNED"
    assert paypal.api("GET", f"/v1/payments/payouts-item/{item_id}").json()["transaction_status"] == "RETURNED"


@pytest.mark.parametrize(
    ("outcome", "events", "status"),
    [
        ("BLOCKED", ["PAYMENT.PAYOUTS-ITEM.BLOCKED", "PAYMENT.PAYOUTSBATCH.DENIED"], "BLOCKED"),
        ("DENIED", ["PAYMENT.PAYOUTS-ITEM.DENIED", "PAYMENT.PAYOUTSBATCH.DENIED"], "FAILED"),
        ("RETURNED", ["PAYMENT.PAYOUTS-ITEM.RETURNED", "PAYMENT.PAYOUTSBATCH.SUCCESS"], "RETURNED"),
        ("REFUNDED", ["PAYMENT.PAYOUTS-ITEM.SUCCEEDED", "PAYMENT.PAYOUTSBATCH.SUCCESS"], "SUCCESS"),
        ("REVERSED", ["PAYMENT.PAYOUTS-ITEM.SUCCEEDED", "PAYMENT.PAYOUTSBATCH.SUCCESS"], "SUCCESS"),
    ],
)
def test_other_item_outcomes(paypal: PayPal, outcome: str, events: list[str], status: str) -> None:
    paypal.control("POST", "/faults", {"item_outcome": outcome})
    item_id = created_item_id(paypal, paypal.pay(payout(f"batch-{outcome}")))
    assert [d["event_type"] for d in paypal.advance(60)["deliveries"]][1:] == events
    assert paypal.api("GET", f"/v1/payments/payouts-item/{item_id}").json()["transaction_status"] == status
    later = [d["event_type"] for d in paypal.advance(DAY)["deliveries"]]
    final = paypal.api("GET", f"/v1/payments/payouts-item/{item_id}").json()["transaction_status"]
    if outcome == "REFUNDED":
        assert later == ["PAYMENT.PAYOUTS-ITEM.REFUNDED"] and final == "REFUNDED"
    elif outcome == "REVERSED":
        assert later == [] and final == "REVERSED"  # PayPal has no PAYMENT.PAYOUTS-ITEM.REVERSED event
    else:
        assert later == [] and final == status


def test_invalid_faults_are_refused(paypal: PayPal) -> None:
    paypal.control("POST", "/faults", {"item_outcome": "LOST"}, status=400)
    paypal.control("POST", "/faults", {"next_5xx": -1}, status=400)
    paypal.control("POST", "/faults", {"surprise": 1}, status=400)
    assert paypal.control("GET", "/faults") == {"next_5xx": 0, "next_timeout_seconds": None, "item_outcome": None}


# -- deliveries: retries and replays ---------------------------------------------------------------
def test_a_refused_delivery_is_retried_on_the_virtual_clock(paypal: PayPal, listener: WebhookListener) -> None:
    item_id = created_item_id(paypal, paypal.pay(payout("batch-W")))
    listener.statuses.extend([200, 503])  # PROCESSING delivered, SUCCEEDED refused once
    settled = paypal.control("POST", f"/items/{item_id}/settle")
    refused = settled["deliveries"][1]
    assert refused["event_type"] == "PAYMENT.PAYOUTS-ITEM.SUCCEEDED"
    assert refused["status_code"] == 503 and not refused["delivered"] and refused["next_retry_at"]
    assert paypal.advance(59)["deliveries"] == []
    retried = paypal.advance(1)["deliveries"]
    assert len(retried) == 1 and retried[0]["delivered"] and retried[0]["attempt"] == 2
    assert retried[0]["event_id"] == refused["event_id"]
    assert retried[0]["transmission_id"] != refused["transmission_id"]
    assert paypal.verify(listener.received[-1]) == "SUCCESS"
    log = paypal.control("GET", "/webhooks")
    assert log["webhook_id"] == DEFAULT_WEBHOOK_ID and len(log["deliveries"]) == 4


def test_retries_stop_after_the_last_backoff(paypal: PayPal, listener: WebhookListener) -> None:
    paypal.control("POST", "/webhook", {"url": listener.url, "retry_backoff_seconds": [10]})
    item_id = created_item_id(paypal, paypal.pay(payout("batch-X")))
    listener.statuses.extend([500] * 10)
    paypal.control("POST", f"/items/{item_id}/settle")
    paypal.advance(3600)
    attempts = [d["attempt"] for d in paypal.control("GET", "/webhooks")["deliveries"]]
    assert attempts == [1, 1, 1, 2, 2, 2]  # three events, each tried twice
    assert paypal.control("GET", "/clock")["pending_timers"] == []


def test_an_event_replayed_is_the_same_event_in_a_new_transmission(paypal: PayPal, listener: WebhookListener) -> None:
    item_id = created_item_id(paypal, paypal.pay(payout("batch-P")))
    paypal.control("POST", f"/items/{item_id}/settle")
    original = listener.received[1]
    replay = paypal.control("POST", f"/events/{original.event['id']}/replay")
    assert replay["deliveries"][0]["replay"] and replay["deliveries"][0]["delivered"]
    duplicate = listener.received[-1]
    assert duplicate.body == original.body
    assert duplicate.headers["PAYPAL-TRANSMISSION-ID"] != original.headers["PAYPAL-TRANSMISSION-ID"]
    assert paypal.verify(duplicate) == "SUCCESS"
    assert [r.event["id"] for r in listener.received].count(original.event["id"]) == 2
    paypal.control("POST", "/events/WH-UNKNOWN/replay", status=404)
    shown = paypal.api("GET", f"/v1/notifications/webhooks-events/{original.event['id']}").json()
    assert shown == original.event


def test_without_a_webhook_url_nothing_is_delivered(paypal: PayPal, listener: WebhookListener) -> None:
    paypal.control("POST", "/webhook", {"url": ""})
    item_id = created_item_id(paypal, paypal.pay(payout("batch-N")))
    assert paypal.control("POST", f"/items/{item_id}/settle")["deliveries"] == []
    events = paypal.control("GET", "/events")
    assert len(events) == 3 and listener.received == []
    paypal.control("POST", f"/events/{events[0]['id']}/replay", status=409)


# -- reconciliation, reset, CLI --------------------------------------------------------------------
def test_payouts_lists_everything_paid(paypal: PayPal) -> None:
    paypal.pay(payout("batch-1"))
    paypal.control("POST", "/faults", {"item_outcome": "FAILED"})
    paypal.pay(
        payout(
            "batch-2", _item(sender_item_id="a"), _item(sender_item_id="b", amount={"value": "5.00", "currency": "EUR"})
        )
    )
    paypal.advance(60)
    paid = paypal.control("GET", "/payouts")
    assert [b["batch_header"]["sender_batch_header"]["sender_batch_id"] for b in paid["batches"]] == [
        "batch-1",
        "batch-2",
    ]
    assert [(i["sender_batch_id"], i["transaction_status"]) for i in paid["items"]] == [
        ("batch-1", "SUCCESS"),
        ("batch-2", "FAILED"),
        ("batch-2", "FAILED"),
    ]
    assert paid["items"][0]["history"][0]["status"] == "SUCCESS"
    assert "amount" not in paid["batches"][1]["batch_header"]  # two currencies
    paypal.control("POST", "/reset")
    assert paypal.control("GET", "/payouts") == {"batches": [], "items": []}
    assert paypal.control("GET", "/clock")["virtual_seconds"] == 0


def test_cli_defaults() -> None:
    args = parse_args([])
    assert (args.host, args.port) == ("127.0.0.1", DEFAULT_PORT) == ("127.0.0.1", 8450)
    assert (args.client_id, args.client_secret) == ("local-paypal-client-id", "local-paypal-secret")
    assert (
        (args.webhook_id, args.webhook_url) == ("WH-LOCAL-SOS-EXPAT", DEFAULT_WEBHOOK_URL) == ("WH-LOCAL-SOS-EXPAT", "")
    )
    custom = parse_args(["--port", "9000", "--webhook-url", "http://127.0.0.1:5001/paypal"])
    assert custom.port == 9000 and custom.webhook_url == "http://127.0.0.1:5001/paypal"
    with pytest.raises(SystemExit):
        parse_args(["--webhook-url", "ftp://nowhere"])
