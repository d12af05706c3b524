"""refundCallPayment: full or partial refunds of a captured call, never more than what is left,
never twice, with the provider's earnings reduced by its share."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from shared.calls.services.commands import RefundCallPaymentCommand
from shared.calls.services.refunds import refund_call_payment
from shared.kernel.commands import Caller, parse_command
from shared.kernel.errors import (
    Aborted,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PaymentGatewayError,
    PermissionDenied,
    Unavailable,
)
from shared.kernel.money import Currency, Money
from shared.payments.domain.payment import provider_share, refund_state
from shared.payments.ports.payments import HoldRequest
from tests.fakes import FakeClock, FakePaymentGateway, InMemoryStore

ADMIN = Caller("admin1", {"admin": True})


class Refunds:
    def __init__(self, *, destination: bool = False) -> None:
        self.store, self.clock, self.gateway = InMemoryStore(), FakeClock(), FakePaymentGateway()
        hold = self.gateway.create_hold(HoldRequest(Money(4900, Currency.EUR), {}, "hold:s1"))
        self.gateway.authorize(hold.id)
        self.gateway.capture_hold(hold.id, "capture:s1")
        self.pi = hold.id
        self.store.set(
            "call_sessions/s1",
            {
                "callSessionId": "s1",
                "paymentIntentId": hold.id,
                "amount": 4900,
                "currency": "eur",
                "platformFee": 1900,
                "providerEarnings": 3000,
                "status": "completed",
                "payment": {"state": "captured", "capturedAmount": 4900},
            },
        )
        self.store.set(
            f"payments/{hold.id}", {"state": "captured", "destinationAccountId": "acct_1" if destination else None}
        )

    def refund(self, caller: Caller = ADMIN, **data: Any) -> dict[str, Any]:
        cmd = parse_command(RefundCallPaymentCommand, {"callSessionId": "s1", "reason": "call dropped", **data})
        return refund_call_payment(cmd, caller, store=self.store, gateway=self.gateway, clock=self.clock)

    def session(self) -> dict[str, Any]:
        return self.store.get("call_sessions/s1") or {}

    def payment(self) -> dict[str, Any]:
        return self.store.get(f"payments/{self.pi}") or {}


def test_a_partial_then_the_rest_refunded_with_the_providers_share() -> None:
    w = Refunds()
    first = w.refund(amountCents=2450)
    assert (first["state"], first["refundedAmount"], first["amountCents"]) == ("partially_refunded", 2450, 2450)
    assert w.session()["providerEarnings"] == 1500, "half of the refund is the provider's half"
    assert (w.payment()["state"], w.payment()["refundedAmount"]) == ("partially_refunded", 2450)
    rest = w.refund()
    assert (rest["state"], rest["refundedAmount"], rest["amountCents"]) == ("refunded", 4900, 2450)
    session = w.session()
    assert (session["providerEarnings"], session["payment"]["state"], session["payment"]["refundInFlight"]) == (
        0,
        "refunded",
        None,
    )
    assert [q.idempotency_key for q, _ in w.gateway.refunds] == ["refund:s1:1", "refund:s1:2"]
    audits = [k for k in w.store.docs if k.startswith("payment_audit_logs/")]
    assert len(audits) == 2
    events = {k: v for k, v in w.store.docs.items() if k.startswith("domain_events/")}
    assert [(e["type"], e["data"]["amount"], e["data"]["refundedTotal"]) for e in events.values()] == [
        ("payment.refunded", 2450, 2450),
        ("payment.refunded", 2450, 4900),
    ]
    first_event = next(iter(events.values()))["data"]
    assert (first_event["callSessionId"], first_event["capturedAmount"], first_event["currency"]) == ("s1", 4900, "eur")
    with pytest.raises(FailedPrecondition):
        w.refund(amountCents=1)
    assert len([k for k in w.store.docs if k.startswith("domain_events/")]) == 2


def test_more_than_what_is_left_is_refused_naming_the_amount_and_writes_nothing() -> None:
    w = Refunds()
    w.refund(amountCents=4000)
    before = dict(w.store.docs)
    with pytest.raises(InvalidArgument) as raised:
        w.refund(amountCents=901)
    assert raised.value.field == "amountCents" and "900" in raised.value.message
    assert w.store.docs == before and len(w.gateway.refunds) == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [({"amountCents": 0}, "amountCents"), ({"amountCents": 12.5}, "amountCents"), ({"reason": ""}, "reason")],
)
def test_bad_input_names_the_field(data: dict[str, Any], field: str) -> None:
    w = Refunds()
    with pytest.raises(InvalidArgument) as raised:
        w.refund(**data)
    assert raised.value.field == field and w.gateway.refunds == []


def test_only_admins_refund_and_only_captured_payments() -> None:
    w = Refunds()
    with pytest.raises(PermissionDenied):
        w.refund(Caller("client1", {"role": "client"}))
    with pytest.raises(NotFound):
        w.refund(callSessionId="nope")
    w.store.set("call_sessions/s1", {"payment": {"state": "released"}}, merge=True)
    with pytest.raises(FailedPrecondition):
        w.refund()
    assert w.gateway.refunds == []


def test_a_server_error_after_stripe_refunded_is_recorded_once_on_the_next_request() -> None:
    w = Refunds()
    w.gateway.refund_then_fail = True
    with pytest.raises(Unavailable):
        w.refund(amountCents=1000)
    assert w.session()["payment"].get("refundedAmount") is None
    done = w.refund(amountCents=3000)  # the admin's retry: the earlier refund is completed instead
    assert (done["amountCents"], done["refundedAmount"]) == (1000, 1000)
    assert len(w.gateway.refunds) == 1
    assert [q.idempotency_key for q, _ in w.gateway.refunds] == ["refund:s1:1"]
    assert w.gateway.keys_used[-1] == "refund:s1:1:1", "the retry used the next key"


def test_a_refusal_forgets_the_reservation() -> None:
    w = Refunds()
    w.gateway.failures.append(PaymentGatewayError("refunds.create: charge disputed", retryable=False))
    with pytest.raises(FailedPrecondition):
        w.refund()
    assert w.session()["payment"]["refundInFlight"] is None
    assert w.refund()["state"] == "refunded"


def test_a_destination_charge_reverses_the_transfer() -> None:
    w = Refunds(destination=True)
    w.refund(amountCents=100)
    [(request, _)] = w.gateway.refunds
    assert request.reverse_transfer is True and request.metadata == {"callSessionId": "s1", "refund": "s1:1"}


def test_concurrent_refunds_of_one_call_make_one() -> None:
    w = Refunds()
    results: list[object] = []

    def run() -> None:
        try:
            results.append(w.refund())
        except Aborted as exc:
            results.append(exc)
        except FailedPrecondition as exc:  # the winner already refunded everything
            results.append(exc)

    threads = [threading.Thread(target=run) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(w.gateway.refunds) == 1 and w.session()["payment"]["refundedAmount"] == 4900
    assert sum(isinstance(r, dict) for r in results) == 1


def test_refund_rules() -> None:
    assert refund_state(4900, 4900).value == "refunded" and refund_state(4900, 1).value == "partially_refunded"
    with pytest.raises(ValueError):
        refund_state(4900, 4901)
    assert provider_share(4900, 4900, 3000) == 3000 and provider_share(1, 4900, 3000) == 0
