"""The Wise simulator (devtools.wise_sim) driven over HTTP, as the backend will drive it.

The simulator runs in-process on a free port; a small webhook receiver (another aiohttp
app in its own thread) records every notification and verifies ``X-Signature-SHA256``
with the public key the simulator publishes. Control calls wait for the deliveries they
cause, so no test sleeps to synchronise.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
import requests

from devtools.wise_sim import (
    DEFAULT_API_TOKEN,
    DEFAULT_PORT,
    DEFAULT_PROFILE_ID,
    SIGNATURE_HEADER,
    SimulatorThread,
    verify,
)
from devtools.wise_sim.__main__ import parse_args
from devtools.wise_sim.bank_details import aba_is_valid, iban_is_valid
from devtools.wise_sim.pricing import price
from tests.integration.webhook_listener import WebhookListener

PROFILE = DEFAULT_PROFILE_ID
IBAN_DE = "DE89 3704 0044 0532 0130 00"
IBAN_FR = "FR1420041010050500013M02606"
IBAN_GB = "GB29NWBK60161331926819"


@dataclass
class Notification:
    body: bytes
    headers: Mapping[str, str]
    signature_valid: bool

    @property
    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.body)
        return data

    @property
    def state(self) -> str:
        return str(self.payload["data"]["current_state"])


class WebhookReceiver(WebhookListener):
    """Stands in for the backend's webhook endpoint, with the simulator's key to check signatures."""

    def __init__(self) -> None:
        super().__init__("/wise/webhooks")
        self.public_key_pem = ""

    def notifications(self) -> list[Notification]:
        return [
            Notification(d.body, d.headers, verify(self.public_key_pem, d.body, d.headers.get(SIGNATURE_HEADER, "")))
            for d in self.deliveries()
        ]

    def states(self) -> list[str]:
        return [n.state for n in self.notifications()]


class Wise:
    """The simulator's API as a client sees it, plus its control API."""

    def __init__(self, sim: SimulatorThread, receiver: WebhookReceiver) -> None:
        self.base = sim.base_url
        self.receiver = receiver

    def api(
        self, method: str, path: str, body: Any = None, token: str | None = DEFAULT_API_TOKEN, timeout: float = 10
    ) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        return requests.request(method, f"{self.base}{path}", json=body, headers=headers, timeout=timeout)

    def control(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        response = requests.request(method, f"{self.base}/_control/{path}", json=body, timeout=30)
        assert response.status_code == expect, response.text
        return response.json()

    def quote(self, source: str = "EUR", target: str = "EUR", **amount: Any) -> dict[str, Any]:
        body = {"sourceCurrency": source, "targetCurrency": target, **(amount or {"sourceAmount": 100})}
        response = self.api("POST", f"/v3/profiles/{PROFILE}/quotes", body)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def recipient(self, iban: str = IBAN_DE, currency: str = "EUR", name: str = "Marie Curie") -> dict[str, Any]:
        body = {
            "currency": currency,
            "type": "iban",
            "profile": PROFILE,
            "accountHolderName": name,
            "details": {"legalType": "PRIVATE", "IBAN": iban},
        }
        response = self.api("POST", "/v1/accounts", body)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def create_transfer(self, account: int, quote_id: str, ctid: str | None = None, **kw: Any) -> requests.Response:
        body = {
            "targetAccount": account,
            "quoteUuid": quote_id,
            "customerTransactionId": ctid or str(uuid.uuid4()),
            "details": {"reference": "Affiliate payout"},
        }
        return self.api("POST", "/v1/transfers", body, **kw)

    def transfer(self, amount: int = 100) -> dict[str, Any]:
        response = self.create_transfer(self.recipient()["id"], self.quote(sourceAmount=amount)["id"])
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def fund(self, transfer_id: int) -> requests.Response:
        return self.api("POST", f"/v3/profiles/{PROFILE}/transfers/{transfer_id}/payments", {"type": "BALANCE"})

    def funded_transfer(self) -> dict[str, Any]:
        transfer = self.transfer()
        assert self.fund(transfer["id"]).status_code == 201
        return transfer

    def sim_transfer(self, transfer_id: int) -> dict[str, Any]:
        found: dict[str, Any] = next(t for t in self.control("GET", "transfers") if t["id"] == transfer_id)
        return found


@pytest.fixture(scope="module", name="receiver")
def receiver_fixture() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture(scope="module", name="sim")
def sim_fixture(receiver: WebhookReceiver) -> Iterator[SimulatorThread]:
    with SimulatorThread(webhook_url=receiver.url) as sim:
        yield sim


@pytest.fixture(name="wise")
def wise_fixture(sim: SimulatorThread, receiver: WebhookReceiver) -> Iterator[Wise]:
    wise = Wise(sim, receiver)
    wise.control("POST", "reset")
    receiver.public_key_pem = requests.get(f"{sim.base_url}/_control/public-key", timeout=5).text
    receiver.clear()
    yield wise
    wise.control("POST", "reset")


def _codes(response: requests.Response) -> list[tuple[str, str | None]]:
    return [(e["code"], e.get("path")) for e in response.json()["errors"]]


# -- building blocks ------------------------------------------------------------------------------
def test_cli_defaults_and_checks() -> None:
    args = parse_args([])
    assert (args.host, args.port, args.api_token, args.profile_id, args.webhook_url) == (
        "127.0.0.1",
        DEFAULT_PORT,
        "local-wise-api-token",
        1001,
        "",
    )
    args = parse_args(["--port", "8461", "--profile-id", "7", "--webhook-url", "http://127.0.0.1:9/wh"])
    assert (args.port, args.profile_id, args.webhook_url) == (8461, 7, "http://127.0.0.1:9/wh")
    with pytest.raises(SystemExit):
        parse_args(["--webhook-url", "ftp://nowhere"])


def test_iban_aba_and_pricing_rules() -> None:
    assert iban_is_valid(IBAN_DE) and iban_is_valid(IBAN_FR) and iban_is_valid(IBAN_GB)
    assert not iban_is_valid("DE89370400440532013001")  # checksum
    assert not iban_is_valid("DE8937040044053201300")  # length
    assert aba_is_valid("111000025") and not aba_is_valid("111000026")
    by_source = price("EUR", "GBP", Decimal("100"), None)
    assert (by_source.fee, by_source.rate) == (Decimal("0.81"), Decimal("0.85"))
    assert by_source.target_amount == Decimal("84.31")
    by_target = price("EUR", "GBP", None, Decimal("84.31"))
    assert by_target.target_amount == Decimal("84.31")
    assert (by_target.source_amount - by_target.fee) * by_target.rate >= Decimal("84.31")
    assert price("EUR", "EUR", Decimal("50"), None).target_amount == Decimal("49.60")


# -- authentication and validation -----------------------------------------------------------------
def test_every_api_call_needs_the_bearer_token(wise: Wise) -> None:
    missing = wise.api("GET", "/v1/profiles", token=None)
    assert missing.status_code == 401
    assert missing.json() == {
        "error": "unauthorized",
        "error_description": "Full authentication is required to access this resource",
    }
    wrong = wise.api("POST", f"/v3/profiles/{PROFILE}/quotes", {"sourceCurrency": "EUR"}, token="not-the-token")
    assert wrong.status_code == 401
    assert wrong.json() == {"error": "invalid_token", "error_description": "not-the-token"}
    assert wise.api("POST", "/v1/transfers", {}, token=None).status_code == 401
    profiles = wise.api("GET", "/v1/profiles").json()
    assert [(p["id"], p["type"]) for p in profiles] == [(PROFILE, "business")]
    assert wise.api("GET", "/v1/profiles/999").status_code == 403
    assert wise.control("GET", "health")["ok"] is True  # the control API needs no token


def test_quotes_are_refused_as_wise_refuses_them(wise: Wise) -> None:
    path = f"/v3/profiles/{PROFILE}/quotes"
    both = wise.api(
        "POST", path, {"sourceCurrency": "EUR", "targetCurrency": "USD", "sourceAmount": 1, "targetAmount": 2}
    )
    assert both.status_code == 400 and _codes(both) == [("error.quote.amount.onlySingle", "sourceAmount")]
    negative = wise.api("POST", path, {"sourceCurrency": "EUR", "targetCurrency": "USD", "sourceAmount": -5})
    assert _codes(negative) == [("error.greaterThanZero", "sourceAmount")]
    bad = wise.api("POST", path, {"sourceCurrency": "EURO", "targetCurrency": "usd", "targetAmount": 10})
    assert _codes(bad) == [("CurrencyCode", "sourceCurrency"), ("CurrencyCode", "targetCurrency")]
    route = wise.api("POST", path, {"sourceCurrency": "EUR", "targetCurrency": "JPY", "sourceAmount": 10})
    assert route.status_code == 422 and route.json()["errors"][0]["arguments"] == ["EUR-JPY"]
    assert wise.api("POST", "/v3/profiles/42/quotes", {}).status_code == 403
    quote = wise.quote("EUR", "USD", targetAmount=250)
    assert quote["status"] == "PENDING" and quote["providedAmountType"] == "TARGET"
    assert uuid.UUID(quote["id"]) and quote["targetAmount"] == 250.0 and quote["rate"] == 1.08
    assert quote["paymentOptions"][0]["fee"]["total"] == pytest.approx(quote["sourceAmount"] - 250 / 1.08, abs=0.02)


def test_recipients_with_a_bad_iban_or_name_are_refused(wise: Wise) -> None:
    body = {
        "currency": "EUR",
        "type": "iban",
        "profile": PROFILE,
        "accountHolderName": "Marie",
        "details": {"legalType": "PRIVATE", "IBAN": "DE89370400440532013001"},
    }
    refused = wise.api("POST", "/v1/accounts", body)
    assert refused.status_code == 422
    assert _codes(refused) == [("NOT_VALID", "accountHolderName"), ("NOT_VALID", "IBAN")]
    no_iban = {**body, "accountHolderName": "Marie Curie", "details": {"legalType": "PRIVATE"}}
    missing = wise.api("POST", "/v1/accounts", no_iban)
    assert missing.json()["errors"] == [
        {"code": "NOT_VALID", "message": "Please specify an IBAN.", "path": "IBAN", "arguments": ["IBAN"]}
    ]
    assert wise.api("POST", "/v1/accounts", {**body, "profile": 5}).status_code == 403
    address = {"country": "US", "city": "Austin", "postCode": "73301", "firstLine": "1 Main St"}
    details = {"legalType": "BUSINESS", "abartn": "111000026", "accountNumber": "12345678", "accountType": "CHECKING"}
    aba = {"currency": "USD", "type": "aba", "profile": PROFILE, "accountHolderName": "Acme Corp"}
    aba["details"] = {**details, "address": address}
    assert _codes(wise.api("POST", "/v1/accounts", aba)) == [("NOT_VALID", "abartn")]
    aba["details"] = {**details, "abartn": "111000025", "address": address}
    assert wise.api("POST", "/v1/accounts", aba).json()["country"] == "US"
    created = wise.recipient(IBAN_FR, name="Jean-Pierre O'Neil")
    assert created["details"]["IBAN"] == IBAN_FR and created["country"] == "FR" and created["profile"] == PROFILE
    assert wise.api("GET", f"/v1/accounts/{created['id']}").json()["id"] == created["id"]


# -- the payout path ------------------------------------------------------------------------------------
def test_payout_reaches_outgoing_payment_sent_with_signed_webhooks(wise: Wise) -> None:
    quote = wise.quote("EUR", "EUR", sourceAmount=120)
    recipient = wise.recipient()
    ctid = str(uuid.uuid4())
    created = wise.create_transfer(recipient["id"], quote["id"], ctid)
    assert created.status_code == 200
    transfer = created.json()
    assert transfer["status"] == "incoming_payment_waiting"
    assert (transfer["customerTransactionId"], transfer["quoteUuid"], transfer["targetAccount"]) == (
        ctid,
        quote["id"],
        recipient["id"],
    )
    assert (transfer["sourceValue"], transfer["targetValue"], transfer["rate"]) == (120.0, 119.6, 1.0)
    balance_before = wise.control("GET", "balance")["EUR"]
    funded = wise.fund(transfer["id"])
    assert funded.status_code == 201 and funded.json() == {"type": "BALANCE", "status": "COMPLETED", "errorCode": None}
    assert wise.control("GET", "balance")["EUR"] == balance_before - 120
    report = wise.control("POST", "clock/advance", {"seconds": 3600})
    assert [d["current_state"] for d in report["deliveries"]] == ["funds_converted", "outgoing_payment_sent"]
    assert all(d["delivered"] and len(d["attempts"]) == 1 for d in report["deliveries"])
    assert wise.api("GET", f"/v1/transfers/{transfer['id']}").json()["status"] == "outgoing_payment_sent"
    received = wise.receiver.notifications()
    assert [n.state for n in received] == ["processing", "funds_converted", "outgoing_payment_sent"]
    assert all(n.signature_valid for n in received)
    first = received[0]
    assert first.headers["X-Test-Notification"] == "false"
    assert len({uuid.UUID(n.headers["X-Delivery-Id"]) for n in received}) == 3
    payload = first.payload
    assert payload["event_type"] == "transfers#state-change" and payload["schema_version"] == "2.0.0"
    assert uuid.UUID(payload["subscription_id"]) and payload["sent_at"].endswith("Z")
    assert payload["data"]["resource"] == {
        "type": "transfer",
        "id": transfer["id"],
        "profile_id": PROFILE,
        "account_id": recipient["id"],
    }
    assert payload["data"]["previous_state"] == "incoming_payment_waiting"
    assert payload["data"]["current_state"] == "processing"
    tampered = first.body.replace(b'"processing"', b'"outgoing_payment_sent"', 1)
    assert tampered != first.body
    assert not verify(wise.receiver.public_key_pem, tampered, first.headers[SIGNATURE_HEADER])
    assert verify(wise.receiver.public_key_pem, first.body, first.headers[SIGNATURE_HEADER])


def test_a_reused_customer_transaction_id_never_creates_a_second_transfer(wise: Wise) -> None:
    recipient = wise.recipient()
    ctid = str(uuid.uuid4())
    first = wise.create_transfer(recipient["id"], wise.quote()["id"], ctid).json()
    assert wise.fund(first["id"]).status_code == 201
    other_quote = wise.quote(sourceAmount=999)
    again = wise.create_transfer(recipient["id"], other_quote["id"], ctid.upper())
    assert again.status_code == 200
    assert again.json()["id"] == first["id"] and again.json()["status"] == "processing"
    assert len(wise.control("GET", "transfers")) == 1
    unused = wise.api("GET", f"/v3/profiles/{PROFILE}/quotes/{other_quote['id']}").json()
    assert unused["status"] == "PENDING"  # the repeat message consumed nothing


def test_transfers_refuse_a_non_uuid_id_and_a_used_or_expired_quote(wise: Wise) -> None:
    recipient, quote = wise.recipient(), wise.quote()
    not_uuid = wise.create_transfer(recipient["id"], quote["id"], "payout-42")
    assert not_uuid.status_code == 400 and _codes(not_uuid) == [("NOT_VALID", "customerTransactionId")]
    assert wise.create_transfer(recipient["id"], quote["id"]).status_code == 200
    used = wise.create_transfer(recipient["id"], quote["id"])
    assert used.status_code == 422 and _codes(used) == [("error.quote.already.used", "quoteUuid")]
    stale = wise.quote()
    wise.control("POST", "clock/advance", {"seconds": 30 * 60})
    expired = wise.create_transfer(recipient["id"], stale["id"])
    assert expired.status_code == 422 and _codes(expired) == [("error.quote.expired", "quoteUuid")]
    gbp = wise.quote("EUR", "GBP")
    mismatch = wise.create_transfer(recipient["id"], gbp["id"])
    assert _codes(mismatch) == [("NOT_VALID", "targetAccount")]
    assert len(wise.control("GET", "transfers")) == 1


def test_a_quote_is_priced_for_its_recipient_and_a_transfer_for_another_is_refused(wise: Wise) -> None:
    marie, other = wise.recipient(), wise.recipient(iban=IBAN_FR, name="Pierre Curie")
    gbp_recipient = wise.recipient(iban=IBAN_GB, currency="GBP", name="Ada Lovelace")
    path = f"/v3/profiles/{PROFILE}/quotes"
    given = wise.quote(targetAccount=marie["id"], sourceAmount=100)
    assert given["targetAccount"] == marie["id"]
    unknown = wise.api(
        "POST", path, {"sourceCurrency": "EUR", "targetCurrency": "EUR", "sourceAmount": 1, "targetAccount": 1}
    )
    assert unknown.status_code == 400 and _codes(unknown) == [("NOT_VALID", "targetAccount")]
    wrong_currency = {
        "sourceCurrency": "EUR",
        "targetCurrency": "EUR",
        "sourceAmount": 1,
        "targetAccount": gbp_recipient["id"],
    }
    assert _codes(wise.api("POST", path, wrong_currency)) == [("NOT_VALID", "targetAccount")]
    later = wise.quote()
    assert "targetAccount" not in later
    url = f"{wise.base}{path}/{later['id']}"
    auth = {"Authorization": f"Bearer {DEFAULT_API_TOKEN}"}
    plain = requests.patch(url, json={"targetAccount": other["id"]}, headers=auth, timeout=10)
    assert plain.status_code == 415 and plain.json()["error"] == "Unsupported Media Type"
    patch = {**auth, "Content-Type": "application/merge-patch+json"}
    updated = requests.patch(url, data=json.dumps({"targetAccount": other["id"]}), headers=patch, timeout=10)
    assert updated.status_code == 200 and updated.json()["targetAccount"] == other["id"]
    assert wise.api("GET", f"{path}/{later['id']}").json()["targetAccount"] == other["id"]
    refused = wise.create_transfer(marie["id"], later["id"])
    assert refused.status_code == 422 and _codes(refused) == [("NOT_VALID", "targetAccount")]
    assert wise.create_transfer(other["id"], later["id"]).status_code == 200
    used = requests.patch(url, data=json.dumps({"targetAccount": marie["id"]}), headers=patch, timeout=10)
    assert used.status_code == 422 and _codes(used) == [("error.quote.already.used", "quoteUuid")]
    assert wise.create_transfer(marie["id"], given["id"]).status_code == 200
    assert len(wise.control("GET", "transfers")) == 2


def test_funding_twice_or_beyond_the_balance_is_refused(wise: Wise) -> None:
    transfer = wise.transfer(amount=300)
    wise.control("POST", "balance", {"currency": "EUR", "value": 299.99})
    short = wise.fund(transfer["id"])
    assert short.status_code == 422
    assert short.json() == {
        "type": "BALANCE",
        "status": "REJECTED",
        "errorCode": "transfer.insufficient_funds",
        "errorMessage": None,
    }
    assert wise.api("GET", f"/v1/transfers/{transfer['id']}").json()["status"] == "incoming_payment_waiting"
    wise.control("POST", "balance", {"currency": "EUR", "value": 1000})
    assert wise.fund(transfer["id"]).status_code == 201
    twice = wise.fund(transfer["id"])
    assert twice.status_code == 422 and _codes(twice) == [("transfer.invalid-state", None)]
    assert wise.control("GET", "balance")["EUR"] == 700.0
    assert wise.fund(99).status_code == 404


def test_a_bounced_transfer_is_refunded(wise: Wise) -> None:
    wise.control("POST", "faults", {"bounce_next_transfer": True})
    transfer = wise.funded_transfer()
    balance = wise.control("GET", "balance")["EUR"]
    states = []
    for _ in range(3):
        states.append(wise.control("POST", f"transfers/{transfer['id']}/advance")["status"])
    assert states == ["funds_converted", "bounced_back", "funds_refunded"]
    assert wise.control("GET", "balance")["EUR"] == balance + 100
    assert wise.receiver.states() == ["processing", "funds_converted", "bounced_back", "funds_refunded"]
    rest = wise.control("POST", f"transfers/{transfer['id']}/advance", expect=409)
    assert "no next state" in rest["error"]
    assert wise.control("GET", "faults")["bounce_next_transfer"] is False
    assert wise.sim_transfer(wise.funded_transfer()["id"])["will_bounce"] is False


def test_cancelling_before_and_after_conversion(wise: Wise) -> None:
    unfunded = wise.transfer()
    cancelled = wise.api("PUT", f"/v1/transfers/{unfunded['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert wise.fund(unfunded["id"]).status_code == 422
    again = wise.api("PUT", f"/v1/transfers/{unfunded['id']}/cancel")
    assert again.status_code == 409 and _codes(again) == [("transfer.cancellation.not.allowed", None)]
    processing = wise.funded_transfer()
    assert wise.api("PUT", f"/v1/transfers/{processing['id']}/cancel").json()["status"] == "cancelled"
    wise.control("POST", "clock/advance", {"seconds": 3600})
    assert wise.sim_transfer(processing["id"])["status"] == "funds_refunded"
    converted = wise.funded_transfer()
    wise.control("POST", f"transfers/{converted['id']}/advance")
    assert wise.api("PUT", f"/v1/transfers/{converted['id']}/cancel").status_code == 409
    states = [(n.payload["data"]["resource"]["id"], n.state) for n in wise.receiver.notifications()]
    assert (unfunded["id"], "cancelled") in states and (processing["id"], "funds_refunded") in states
    assert wise.control("GET", "balance")["EUR"] == 10000 - 100  # only the converted one is spent


def test_an_unfunded_transfer_is_cancelled_after_fourteen_days(wise: Wise) -> None:
    transfer = wise.transfer()
    report = wise.control("POST", "clock/advance", {"seconds": 14 * 24 * 3600})
    assert [d["current_state"] for d in report["deliveries"]] == ["cancelled"]
    assert wise.sim_transfer(transfer["id"])["status"] == "cancelled"


# -- delivery faults -----------------------------------------------------------------------------------
def test_out_of_order_deliveries_come_newest_first_once_the_transfer_rests(wise: Wise) -> None:
    wise.control("POST", "faults", {"deliver_out_of_order": True})
    transfer = wise.funded_transfer()
    step = wise.control("POST", "clock/advance", {"seconds": 60})
    assert [d["status"] for d in step["deliveries"]] == ["held"]
    assert wise.receiver.notifications() == []
    report = wise.control("POST", "clock/advance", {"seconds": 600})
    sent = [d["current_state"] for d in report["deliveries"] if d["delivered"]]
    assert sent == ["outgoing_payment_sent", "funds_converted", "processing"]
    assert wise.receiver.states() == ["outgoing_payment_sent", "funds_converted", "processing"]
    assert all(n.signature_valid for n in wise.receiver.notifications())
    occurred = sorted(wise.receiver.notifications(), key=lambda n: n.payload["data"]["occurred_at"])
    assert [n.state for n in occurred] == ["processing", "funds_converted", "outgoing_payment_sent"]
    assert wise.sim_transfer(transfer["id"])["status"] == "outgoing_payment_sent"


def test_a_replayed_delivery_is_the_same_notification_again(wise: Wise) -> None:
    transfer = wise.funded_transfer()
    delivery = wise.control("GET", f"deliveries?transfer_id={transfer['id']}")[0]
    report = wise.control("POST", f"deliveries/{delivery['delivery_id']}/replay")
    assert report["deliveries"][0]["attempts"][-1]["replay"] is True
    first, second = wise.receiver.notifications()
    assert first.body == second.body and second.signature_valid
    assert first.headers["X-Delivery-Id"] == second.headers["X-Delivery-Id"] == delivery["delivery_id"]
    wise.control("POST", "deliveries/not-a-delivery/replay", expect=404)


def test_failed_deliveries_are_retried_then_given_up(wise: Wise) -> None:
    wise.control("POST", "webhook", {"url": wise.receiver.url, "max_attempts": 3, "backoff_seconds": 0.01})
    transfer = wise.funded_transfer()
    wise.control("GET", "deliveries")  # settles: the processing notification has been answered
    wise.receiver.statuses[:] = [500] * 2
    report = wise.control("POST", f"transfers/{transfer['id']}/advance")
    (delivery,) = report["deliveries"]
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 500, 200] and delivery["delivered"]
    wise.receiver.statuses[:] = [500] * 10
    report = wise.control("POST", f"transfers/{transfer['id']}/advance")
    (lost,) = report["deliveries"]
    assert len(lost["attempts"]) == 3 and lost["status"] == "failed"
    wise.receiver.statuses.clear()
    assert wise.control("POST", f"deliveries/{lost['delivery_id']}/replay")["deliveries"][0]["status"] == "delivered"
    wise.control("POST", "webhook", {"url": ""})
    silent = wise.funded_transfer()
    assert wise.control("GET", f"deliveries?transfer_id={silent['id']}")[0]["status"] == "no_subscription"


# -- API faults -------------------------------------------------------------------------------------------
def test_5xx_fault_loses_the_request_before_wise_handles_it(wise: Wise) -> None:
    recipient, quote = wise.recipient(), wise.quote()
    wise.control("POST", "faults", {"next_5xx": 2})
    ctid = str(uuid.uuid4())
    for _ in range(2):
        failed = wise.create_transfer(recipient["id"], quote["id"], ctid)
        assert failed.status_code == 500
        assert {k: failed.json()[k] for k in ("status", "error")} == {"status": 500, "error": "Internal Server Error"}
    assert wise.control("GET", "transfers") == []
    assert wise.create_transfer(recipient["id"], quote["id"], ctid).status_code == 200
    assert len(wise.control("GET", "transfers")) == 1
    wise.control("POST", "faults", {"next_5xx": -1}, expect=400)


def test_timeout_fault_creates_the_transfer_and_the_retry_finds_it(wise: Wise) -> None:
    recipient, quote = wise.recipient(), wise.quote()
    wise.control("POST", "faults", {"next_timeout_seconds": 1.5})
    ctid = str(uuid.uuid4())
    with pytest.raises(requests.exceptions.ReadTimeout):
        wise.create_transfer(recipient["id"], quote["id"], ctid, timeout=0.3)
    retried = wise.create_transfer(recipient["id"], quote["id"], ctid)
    assert retried.status_code == 200 and retried.json()["customerTransactionId"] == ctid
    (only,) = wise.control("GET", "transfers")
    assert only["id"] == retried.json()["id"]


def test_reset_forgets_everything_but_the_key(wise: Wise, sim: SimulatorThread) -> None:
    wise.funded_transfer()
    wise.control("POST", "faults", {"next_5xx": 3, "deliver_out_of_order": True})
    pem = requests.get(f"{sim.base_url}/_control/public-key", timeout=5).text
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    wise.control("POST", "reset")
    assert wise.control("GET", "transfers") == [] and wise.control("GET", "deliveries") == []
    assert wise.control("GET", "faults") == {
        "next_5xx": 0,
        "next_timeout_seconds": 0.0,
        "bounce_next_transfer": False,
        "deliver_out_of_order": False,
    }
    assert wise.control("GET", "balance")["EUR"] == 10000.0
    assert wise.control("GET", "webhook")["url"] == wise.receiver.url
    assert requests.get(f"{sim.base_url}/_control/public-key", timeout=5).text == pem
