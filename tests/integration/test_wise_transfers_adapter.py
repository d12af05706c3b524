"""HttpWisePayouts (shared.payouts.adapters.wise_transfers) against the local Wise simulator.

The simulator runs in-process on a free port with a webhook receiver in another thread. Control
calls wait for the deliveries they cause, so no test sleeps to synchronise; the adapter's backoff
`sleep` only records what it was asked to wait. A lost answer is made by arming the simulator's
`next_timeout_seconds` fault when the adapter logs the call before the one whose answer is lost
(the log line names method, path and status), so the fault hits exactly that step.
"""

from __future__ import annotations

import base64
import logging
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from devtools.wise_sim import (
    DEFAULT_API_TOKEN,
    DEFAULT_PROFILE_ID,
    SIGNATURE_HEADER,
    SimulatorThread,
    free_port,
)
from shared.payouts.adapters.wise_transfers import (
    WITHDRAWAL_NAMESPACE,
    HttpWisePayouts,
    customer_transaction_id,
    quote_request,
    transfer_reference,
)
from shared.payouts.ports.rails import PayoutSent, RailBlocked, RailRefused, RailUnavailable, WiseRecipient
from tests.integration.webhook_listener import WebhookListener

PROFILE = DEFAULT_PROFILE_ID
LOGGER = "shared.payouts.adapters.wise_transfers"
MARIE = WiseRecipient(account_holder_name="Marie Curie", iban="DE89 3704 0044 0532 0130 00", currency="eur")
LOST_ANSWER_SECONDS = 2.0  # how late the simulator answers a lost call
SHORT_TIMEOUT = 0.5  # the adapter's timeout in the lost-answer tests


class Control:
    """The simulator's `/_control` API, and its Wise API for what the adapter does not do (cancel)."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url

    def __call__(self, method: str, path: str, body: Any = None) -> Any:
        response = requests.request(method, f"{self.base}/_control/{path}", json=body, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()

    def transfers(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self("GET", "transfers")
        return found

    def balance(self, currency: str = "USD") -> float:
        return float(self("GET", "balance")[currency])

    def faults(self, **faults: Any) -> None:
        self("POST", "faults", faults)

    def advance(self, seconds: float) -> list[str]:
        return [d["current_state"] for d in self("POST", "clock/advance", {"seconds": seconds})["deliveries"]]

    def wise(self, method: str, path: str) -> Any:
        headers = {"Authorization": f"Bearer {DEFAULT_API_TOKEN}"}
        response = requests.request(method, f"{self.base}{path}", headers=headers, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def cancel(self, transfer_id: str) -> None:
        self.wise("PUT", f"/v1/transfers/{transfer_id}/cancel")


class ArmFaultAfter(logging.Handler):
    """Sets simulator faults once, right after the adapter logs a line containing `marker`: the
    fault then applies to the adapter's next call."""

    def __init__(self, control: Control, marker: str, faults: dict[str, Any]) -> None:
        super().__init__(logging.INFO)
        self.control, self.marker, self.faults = control, marker, faults
        self.armed = False

    def emit(self, record: logging.LogRecord) -> None:
        if not self.armed and self.marker in record.getMessage():
            self.armed = True
            self.control.faults(**self.faults)


@pytest.fixture(scope="module", name="receiver")
def receiver_fixture() -> Iterator[WebhookListener]:
    with WebhookListener("/wise/webhooks") as receiver:
        yield receiver


@pytest.fixture(scope="module", name="sim")
def sim_fixture(receiver: WebhookListener) -> Iterator[SimulatorThread]:
    with SimulatorThread(webhook_url=receiver.url) as sim:
        yield sim


@pytest.fixture(name="control")
def control_fixture(sim: SimulatorThread, receiver: WebhookListener) -> Iterator[Control]:
    control = Control(sim.base_url)
    control("POST", "reset")
    receiver.clear()
    yield control
    control("POST", "reset")


@pytest.fixture(name="public_key_pem")
def public_key_pem_fixture(sim: SimulatorThread) -> str:
    return requests.get(f"{sim.base_url}/_control/public-key", timeout=5).text


@pytest.fixture(name="sleeps")
def sleeps_fixture() -> list[float]:
    return []


@pytest.fixture(name="wise")
def wise_fixture(
    sim: SimulatorThread, control: Control, public_key_pem: str, sleeps: list[float]
) -> Callable[..., HttpWisePayouts]:
    def make(
        api_token: str = DEFAULT_API_TOKEN, key_pem: str = public_key_pem, api_base: str = sim.base_url, **options: Any
    ) -> HttpWisePayouts:
        return HttpWisePayouts(api_token, PROFILE, key_pem, api_base, sleep=sleeps.append, **options)

    return make


@pytest.fixture(name="arm_after")
def arm_after_fixture(control: Control) -> Iterator[Callable[[str, dict[str, Any]], ArmFaultAfter]]:
    logger = logging.getLogger(LOGGER)
    level, handlers = logger.level, []

    def arm(marker: str, faults: dict[str, Any]) -> ArmFaultAfter:
        handler = ArmFaultAfter(control, marker, faults)
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)
        handlers.append(handler)
        return handler

    yield arm
    for handler in handlers:
        logger.removeHandler(handler)
    logger.setLevel(level)


def new_withdrawal_id() -> str:
    return f"wd_{uuid.uuid4().hex[:20]}"


def send(wise: HttpWisePayouts, withdrawal_id: str, amount: int = 6000, recipient: WiseRecipient = MARIE) -> PayoutSent:
    return wise.send(withdrawal_id=withdrawal_id, amount=amount, currency="usd", recipient=recipient)


# -- pure parts -------------------------------------------------------------------------------------
def test_customer_transaction_id_is_a_stable_uuid5_of_the_withdrawal() -> None:
    withdrawal_id = "wd_0123456789abcdef0123"
    ctid = customer_transaction_id(withdrawal_id)
    assert ctid == customer_transaction_id(withdrawal_id) == str(uuid.uuid5(WITHDRAWAL_NAMESPACE, withdrawal_id))
    assert uuid.UUID(ctid).version == 5 and str(uuid.UUID(ctid)) == ctid
    assert customer_transaction_id("wd_0123456789abcdef0124") != ctid


def test_reference_and_quote_amount_fit_wise() -> None:
    assert transfer_reference("wd_3f9a0c1e77aa") == "SOS3F9A0C1"
    assert transfer_reference("x") == "SOSX" and len(transfer_reference("wd_" + "a" * 40)) == 10
    assert (
        quote_request(6000, "usd", "eur") == '{"sourceCurrency": "USD", "targetCurrency": "EUR", "sourceAmount": 60.00}'
    )
    assert quote_request(6000, "usd", "eur", 70000001).endswith('"sourceAmount": 60.00, "targetAccount": 70000001}')
    assert '"sourceAmount": 0.01}' in quote_request(1, "usd", "eur")
    assert '"sourceAmount": 1234567.89}' in quote_request(123456789, "eur", "gbp")
    for wrong in (0, -5, 60.0, True):
        with pytest.raises(ValueError):
            quote_request(wrong, "usd", "eur")  # type: ignore[arg-type]


def test_importing_the_adapter_loads_neither_requests_nor_cryptography() -> None:
    code = (
        "import sys, shared.payouts.adapters.wise_transfers; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('requests', 'cryptography', 'urllib3')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip() == "[]"


# -- send -------------------------------------------------------------------------------------------
def test_a_send_of_usd_to_a_eur_iban_creates_and_funds_one_transfer(
    wise: Callable[..., HttpWisePayouts], control: Control, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    withdrawal_id = new_withdrawal_id()
    sent = send(wise(), withdrawal_id)
    assert sent.status == "processing"
    (transfer,) = control.transfers()
    assert str(transfer["id"]) == sent.reference and transfer["funded"] is True
    assert transfer["customerTransactionId"] == customer_transaction_id(withdrawal_id)
    assert (transfer["sourceCurrency"], transfer["sourceValue"], transfer["targetCurrency"]) == ("USD", 60.0, "EUR")
    assert transfer["reference"] == transfer_reference(withdrawal_id) and len(transfer["reference"]) <= 10
    assert [h["state"] for h in transfer["history"]] == ["incoming_payment_waiting", "processing"]
    assert control.balance("USD") == 10000 - 60
    made = control.wise("GET", f"/v1/transfers/{sent.reference}")
    quote = control.wise("GET", f"/v3/profiles/{PROFILE}/quotes/{made['quoteUuid']}")
    assert quote["targetAccount"] == made["targetAccount"]  # priced for the recipient it pays
    lines = [r.getMessage() for r in caplog.records if r.name == LOGGER]
    assert lines[:5] == [
        "wise POST /v1/accounts -> 200",
        f"wise POST /v3/profiles/{PROFILE}/quotes -> 200",
        "wise POST /v1/transfers -> 200",
        f"wise POST /v3/profiles/{PROFILE}/transfers/{sent.reference}/payments -> 201",
        f"wise GET /v1/transfers/{sent.reference} -> 200",
    ]
    assert all(r.levelno == logging.INFO for r in caplog.records if r.name == LOGGER)
    assert DEFAULT_API_TOKEN not in caplog.text


def test_the_same_withdrawal_sent_twice_pays_once(wise: Callable[..., HttpWisePayouts], control: Control) -> None:
    adapter, withdrawal_id = wise(), new_withdrawal_id()
    first = send(adapter, withdrawal_id)
    again = send(adapter, withdrawal_id)
    assert again == first
    (transfer,) = control.transfers()
    assert transfer["funded"] and control.balance("USD") == 10000 - 60
    other = send(adapter, new_withdrawal_id(), amount=1000)
    assert other.reference != first.reference and len(control.transfers()) == 2


def test_5xx_faults_are_retried_and_the_withdrawal_pays_once(
    wise: Callable[..., HttpWisePayouts],
    control: Control,
    sleeps: list[float],
    arm_after: Callable[[str, dict[str, Any]], ArmFaultAfter],
) -> None:
    adapter, withdrawal_id = wise(), new_withdrawal_id()
    control.faults(next_5xx=2)  # the recipient's first two tries are lost
    arm_after("POST /v1/transfers -> 200", {"next_5xx": 2})  # and so are the funding's
    sent = send(adapter, withdrawal_id)
    assert sent.status == "processing" and sleeps == [0.5, 1.0, 0.5, 1.0]
    assert send(adapter, withdrawal_id) == sent
    (transfer,) = control.transfers()
    assert transfer["funded"] and control.balance("USD") == 10000 - 60


@pytest.mark.parametrize(
    ("after", "retried"),
    [
        pytest.param("", "POST /v1/accounts -> 200", id="recipient"),
        pytest.param(f"POST /v3/profiles/{PROFILE}/quotes -> 200", "POST /v1/transfers -> 200", id="transfer"),
        # funded by the lost call: the retry is refused as invalid-state, and a read finds it funded
        pytest.param("POST /v1/transfers -> 200", "/payments -> 422", id="funding"),
        pytest.param("/payments -> 201", "GET /v1/transfers/", id="transfer-read"),
    ],
)
def test_a_lost_answer_is_retried_and_the_withdrawal_pays_once(
    after: str,
    retried: str,
    wise: Callable[..., HttpWisePayouts],
    control: Control,
    arm_after: Callable[[str, dict[str, Any]], ArmFaultAfter],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    adapter, withdrawal_id = wise(timeout=SHORT_TIMEOUT), new_withdrawal_id()
    lost = {"next_timeout_seconds": LOST_ANSWER_SECONDS}
    if after:
        assert not arm_after(after, lost).armed
    else:
        control.faults(**lost)
    sent = send(adapter, withdrawal_id)
    assert sent.status == "processing"
    lines = [r.getMessage() for r in caplog.records if r.name == LOGGER]
    (timed_out,) = [i for i, line in enumerate(lines) if line.endswith("-> ReadTimeout (attempt 1 of 3)")]
    assert retried in lines[timed_out + 1]
    assert send(adapter, withdrawal_id) == sent
    (transfer,) = control.transfers()
    assert transfer["funded"] and transfer["customerTransactionId"] == customer_transaction_id(withdrawal_id)
    assert control.balance("USD") == 10000 - 60


def test_a_bad_iban_or_holder_is_refused_naming_the_path(
    wise: Callable[..., HttpWisePayouts], control: Control
) -> None:
    bad = WiseRecipient(account_holder_name="Marie", iban="DE89370400440532013001", currency="eur")
    with pytest.raises(RailRefused) as refused:
        send(wise(), new_withdrawal_id(), recipient=bad)
    assert refused.value.code == "NOT_VALID"
    assert "accountHolderName: " in refused.value.message and "IBAN: " in refused.value.message
    assert control.transfers() == []


def test_a_route_wise_does_not_price_is_refused(wise: Callable[..., HttpWisePayouts], control: Control) -> None:
    with pytest.raises(RailRefused) as refused:
        wise().send(withdrawal_id=new_withdrawal_id(), amount=6000, currency="jpy", recipient=MARIE)
    assert refused.value.code == "error.route.not.supported"
    assert control.transfers() == []


def test_a_low_balance_blocks_then_a_top_up_funds_the_same_transfer(
    wise: Callable[..., HttpWisePayouts], control: Control
) -> None:
    adapter, withdrawal_id = wise(), new_withdrawal_id()
    control("POST", "balance", {"currency": "USD", "value": 59.99})
    with pytest.raises(RailBlocked, match=r"transfer\.insufficient_funds"):
        send(adapter, withdrawal_id)
    (waiting,) = control.transfers()
    assert waiting["status"] == "incoming_payment_waiting" and not waiting["funded"]
    control("POST", "balance", {"currency": "USD", "value": 100})
    sent = send(adapter, withdrawal_id)
    assert sent.reference == str(waiting["id"]) and sent.status == "processing"
    (funded,) = control.transfers()
    assert funded["funded"] and control.balance("USD") == 40.0


def test_a_cancelled_transfer_is_refused_on_the_next_send(
    wise: Callable[..., HttpWisePayouts], control: Control
) -> None:
    adapter, withdrawal_id = wise(), new_withdrawal_id()
    control("POST", "balance", {"currency": "USD", "value": 0})
    with pytest.raises(RailBlocked):
        send(adapter, withdrawal_id)
    control.cancel(str(control.transfers()[0]["id"]))
    with pytest.raises(RailRefused) as refused:
        send(adapter, withdrawal_id)
    assert refused.value.code == "transfer.cancelled" and len(control.transfers()) == 1


def test_5xx_beyond_the_attempts_is_unavailable(
    wise: Callable[..., HttpWisePayouts], control: Control, sleeps: list[float]
) -> None:
    adapter = wise()
    control.faults(next_5xx=3)
    with pytest.raises(RailUnavailable, match=r"POST /v1/accounts: 500 after 3 attempts"):
        send(adapter, new_withdrawal_id())
    assert sleeps == [0.5, 1.0] and control.transfers() == []
    assert send(adapter, new_withdrawal_id()).status == "processing"


def test_no_server_or_a_refused_token_is_unavailable(
    wise: Callable[..., HttpWisePayouts], control: Control, sleeps: list[float]
) -> None:
    nowhere = wise(api_base=f"http://127.0.0.1:{free_port()}", attempts=2)
    with pytest.raises(RailUnavailable, match="ConnectionError after 2 attempts"):
        send(nowhere, new_withdrawal_id())
    assert sleeps == [0.5]
    with pytest.raises(RailUnavailable, match="401"):
        send(wise(api_token="not-the-token"), new_withdrawal_id())
    assert control.transfers() == []


# -- record -----------------------------------------------------------------------------------------
def test_record_follows_the_transfer_until_it_is_paid(wise: Callable[..., HttpWisePayouts], control: Control) -> None:
    adapter = wise()
    sent = send(adapter, new_withdrawal_id())
    now = adapter.record(sent.reference)
    assert (now.reference, now.status, now.paid, now.amount, now.currency) == (
        sent.reference,
        "processing",
        False,
        6000,
        "usd",
    )
    assert control.advance(3600) == ["funds_converted", "outgoing_payment_sent"]
    paid = adapter.record(sent.reference)
    assert (paid.status, paid.paid, paid.amount) == ("outgoing_payment_sent", True, 6000)


def test_record_of_a_bounced_transfer_is_not_paid(wise: Callable[..., HttpWisePayouts], control: Control) -> None:
    adapter = wise()
    control.faults(bounce_next_transfer=True)
    sent = send(adapter, new_withdrawal_id(), amount=12345)
    assert control.advance(300) == ["funds_converted", "bounced_back"]
    bounced = adapter.record(sent.reference)
    assert (bounced.status, bounced.paid, bounced.amount) == ("bounced_back", False, 12345)
    assert control.advance(3600) == ["funds_refunded"]
    refunded = adapter.record(sent.reference)
    assert (refunded.status, refunded.paid) == ("funds_refunded", False)
    assert control.balance("USD") == 10000.0


def test_record_of_an_unknown_transfer_is_refused_and_5xx_unavailable(
    wise: Callable[..., HttpWisePayouts], control: Control
) -> None:
    adapter = wise()
    with pytest.raises(RailRefused) as refused:
        adapter.record("49999999")
    assert refused.value.code == "transfer.not-found"
    with pytest.raises(RailRefused):
        adapter.record("../v1/profiles")  # never put in a path
    sent = send(adapter, new_withdrawal_id())
    control.faults(next_5xx=3)
    with pytest.raises(RailUnavailable):
        adapter.record(sent.reference)


# -- webhooks ---------------------------------------------------------------------------------------
def test_verify_webhook_accepts_wise_deliveries_only(
    wise: Callable[..., HttpWisePayouts],
    control: Control,
    receiver: WebhookListener,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from cryptography.hazmat.primitives import serialization

    loads: list[bytes] = []
    load = serialization.load_pem_public_key

    def counted_load(data: bytes) -> Any:
        loads.append(data)
        return load(data)

    monkeypatch.setattr(serialization, "load_pem_public_key", counted_load)
    adapter = wise()
    send(adapter, new_withdrawal_id())
    control.advance(3600)
    deliveries = control("GET", "deliveries")
    assert [d["current_state"] for d in deliveries] == ["processing", "funds_converted", "outgoing_payment_sent"]
    assert len(receiver.received) == 3 and loads == []
    signed = [(d.body, d.headers.get(SIGNATURE_HEADER)) for d in receiver.deliveries()]
    assert all(adapter.verify_webhook(body, signature) for body, signature in signed)
    assert len(loads) == 1  # loaded on the first check, once
    body, signature = signed[0]
    tampered = body.replace(b'"processing"', b'"outgoing_payment_sent"', 1)
    assert tampered != body and not adapter.verify_webhook(tampered, signature)
    assert not adapter.verify_webhook(body, signed[1][1])  # another delivery's signature
    assert not adapter.verify_webhook(body, base64.b64encode(bytes(256)).decode())
    for garbled in (None, "", "not base64!", "abc", "é"):
        assert not adapter.verify_webhook(body, garbled)


def test_a_bad_webhook_key_fails_only_when_a_signature_is_checked(
    wise: Callable[..., HttpWisePayouts], control: Control
) -> None:
    adapter = wise(key_pem="not a key")
    assert send(adapter, new_withdrawal_id()).status == "processing"
    with pytest.raises(ValueError):
        adapter.verify_webhook(b"{}", base64.b64encode(bytes(256)).decode())
