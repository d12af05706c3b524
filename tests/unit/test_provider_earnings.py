"""Providers paid by PayPal: a capture credits their share in the call's currency, a refund takes
back its share (each event once), they withdraw it by PayPal only, and a paid, failed or reversed
withdrawal moves that balance as the affiliates' wallet moves; the balance always equals its
entries."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from shared.kernel import events
from shared.kernel.commands import Caller, parse_command
from shared.kernel.errors import FailedPrecondition, InvalidArgument
from shared.payouts.services.commands import ProcessWithdrawalCommand, RequestWithdrawalCommand
from shared.payouts.services.provider_earnings import apply_earnings_event, reconcile_provider
from shared.payouts.services.rail_webhooks import handle_paypal_webhook
from shared.payouts.services.reconciliation import reconcile_payouts
from shared.payouts.services.sending import Rails, process_withdrawal
from shared.payouts.services.withdrawals import request_withdrawal
from tests.fakes import FakeClock, InMemoryStore
from tests.unit.test_payout_rails import FakePayPal, FakeWise

LAWYER = Caller("p1", {"role": "lawyer"})
ADMIN = Caller("admin", {"admin": True})
PAYPAL = {"amountCents": 2000, "method": "paypal", "currency": "eur", "details": {"email": "law@x.test"}}


class Provider:
    def __init__(self, payout_method: str = "paypal") -> None:
        self.store, self.clock, self.n = InMemoryStore(), FakeClock(), 0
        self.store.set("sos_profiles/p1", {"type": "lawyer", "payoutMethod": payout_method})
        self.paypal = FakePayPal()
        self.rails = Rails(paypal=lambda: self.paypal, wise=FakeWise)

    def event(self, kind: str, **data: Any) -> str | None:
        self.n += 1
        doc = {"type": kind, "data": {"providerId": "p1", "paymentIntentId": "pi_1", **data}}
        self.store.set(f"domain_events/e{self.n}", doc)
        return apply_earnings_event(f"e{self.n}", doc, store=self.store, clock=self.clock)

    def captured(self, earnings: int = 3000) -> None:
        self.event(events.PAYMENT_CAPTURED, amount=4900, currency="eur", providerEarnings=earnings, callSessionId="s1")

    def available(self, currency: str = "eur") -> int:
        return int(((self.store.get("provider_balances/p1") or {})["currencies"][currency])["available"])

    def ask(self, data: dict[str, Any], caller: Caller = LAWYER) -> dict[str, Any]:
        return request_withdrawal(
            parse_command(RequestWithdrawalCommand, data), caller, store=self.store, clock=self.clock
        )

    def reconciled(self) -> None:
        assert set(reconcile_provider(self.store, "p1").values()) <= {0}


def test_a_capture_credits_a_paypal_provider_once_and_a_refund_takes_back_its_share() -> None:
    p = Provider()
    p.captured()
    assert p.available() == 3000
    doc = {"type": events.PAYMENT_CAPTURED, "data": {"providerId": "p1", "paymentIntentId": "pi_1", "amount": 4900}}
    assert apply_earnings_event("e1", doc, store=p.store, clock=p.clock) is None, "the same event again"
    assert p.available() == 3000
    p.event(events.PAYMENT_REFUNDED, refundId="re_1", refundedTotal=2450, capturedAmount=4900)
    assert p.available() == 1500
    p.event(events.PAYMENT_REFUNDED, refundId="re_2", refundedTotal=4900, capturedAmount=4900)
    assert p.available() == 0
    p.reconciled()


def test_a_provider_paid_through_stripe_keeps_no_balance() -> None:
    p = Provider("stripe")
    p.captured()
    assert p.store.get("provider_balances/p1") is None
    with pytest.raises(FailedPrecondition):
        p.ask(PAYPAL)


def test_a_provider_withdraws_by_paypal_in_its_currency_and_is_credited_back_when_it_fails() -> None:
    p = Provider()
    p.captured()
    with pytest.raises(InvalidArgument) as refused:
        p.ask({**PAYPAL, "method": "bank", "details": {}})
    assert refused.value.field in ("method", "details.accountHolderName")
    with pytest.raises(FailedPrecondition) as refused_amount:
        p.ask({**PAYPAL, "amountCents": 3001})
    assert refused_amount.value.field == "amountCents"
    with pytest.raises(InvalidArgument):
        p.ask({**PAYPAL, "currency": "gbp"})
    with pytest.raises(InvalidArgument) as affiliate:
        p.ask(PAYPAL, caller=Caller("aff", {"role": "blogger"}))
    assert affiliate.value.field == "currency"

    opened = p.ask(PAYPAL)
    assert (opened["currency"], opened["holder"], opened["available"]) == ("eur", "provider", 1000)
    wid = opened["withdrawalId"]
    sent = process_withdrawal(
        ProcessWithdrawalCommand(withdrawalId=wid), ADMIN, store=p.store, clock=p.clock, rails=p.rails
    )
    assert sent["status"] == "processing" and p.paypal.items[wid]["currency"] == "eur"
    before = copy.deepcopy(p.store.docs)

    def paypal_says(status: str, minute: int) -> None:
        event = {
            "id": f"WH-{status}",
            "create_time": f"2026-12-06T10:{minute:02d}:00Z",
            "event_type": f"PAYMENT.PAYOUTS-ITEM.{status}",
            "resource": {"payout_item_id": p.paypal.items[wid]["id"], "payout_item": {"sender_item_id": wid}},
        }
        handle_paypal_webhook(
            {"PAYPAL-TRANSMISSION-SIG": "signed"},
            json.dumps(event).encode(),
            store=p.store,
            clock=p.clock,
            paypal=lambda: p.paypal,
        )

    paypal_says("SUCCEEDED", 5)
    figures = (p.store.get("provider_balances/p1") or {})["currencies"]["eur"]
    assert (figures["available"], figures["withdrawnTotal"]) == (1000, 2000)
    assert p.store.docs != before
    paypal_says("REVERSED", 9)
    figures = (p.store.get("provider_balances/p1") or {})["currencies"]["eur"]
    assert (figures["available"], figures["withdrawnTotal"]) == (3000, 0), "taken back after payment: credited back"
    p.reconciled()
    p.paypal.items[wid]["status"] = "REVERSED"
    report = reconcile_payouts(store=p.store, clock=p.clock, rails=p.rails)
    assert (report["providerBalances"], report["unexplainedCents"]) == (1, 0), report
