"""PayPal and Wise withdrawals with hand-written rails: processed once (a second click sends
nothing new), the rails' news applied once and in the rails' order (a completed one goes back only
by a reversal, credited back once), unsigned news refused with nothing written, reconciliation
finding what the rails disagree with."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.affiliates.services.reconciliation import reconcile_wallet
from shared.affiliates.services.release import validate_pending_commissions
from shared.kernel.commands import Caller, parse_command
from shared.kernel.errors import FailedPrecondition, InvalidArgument, PermissionDenied, Unavailable
from shared.payouts.ports.rails import (
    PayoutRecord,
    PayoutSent,
    PayPalPayouts,
    RailBlocked,
    RailRefused,
    RailUnavailable,
    WisePayouts,
    WiseRecipient,
)
from shared.payouts.services.commands import ProcessWithdrawalCommand, RequestWithdrawalCommand
from shared.payouts.services.rail_webhooks import handle_paypal_webhook, handle_wise_webhook
from shared.payouts.services.reconciliation import reconcile_payouts, record_reconciliation
from shared.payouts.services.sending import Rails, process_withdrawal
from shared.payouts.services.withdrawals import request_withdrawal
from tests.fakes import InMemoryStore
from tests.unit.test_affiliate_commissions import World

T = Caller("T", {"role": "blogger"})
ADMIN = Caller("admin", {"admin": True})
PAYPAL: dict[str, Any] = {"amountCents": 2000, "method": "paypal", "details": {"email": "lina@example.com"}}
WISE: dict[str, Any] = {
    "amountCents": 2500,
    "method": "wise",
    "details": {"accountHolderName": "Lina Haddad", "iban": "FR7630006000011234567890189", "currency": "eur"},
}


class FakePayPal(PayPalPayouts):
    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}  # by sender_item_id, as PayPal keeps one per batch id
        self.fail_next: Exception | None = None
        self.genuine = True

    def send(self, *, withdrawal_id: str, receiver_email: str, amount: int, currency: str, note: str) -> PayoutSent:
        if self.fail_next is not None:
            failure, self.fail_next = self.fail_next, None
            raise failure
        item = self.items.setdefault(
            withdrawal_id, {"id": f"ITEM{len(self.items)}", "amount": amount, "currency": currency, "status": "PENDING"}
        )
        return PayoutSent(item["id"], item["status"])

    def record(self, reference: str) -> PayoutRecord:
        item = next(i for i in self.items.values() if i["id"] == reference)
        status = item["status"]
        return PayoutRecord(reference, status, status == "SUCCESS", item["amount"], item["currency"])

    def verify_webhook(self, headers: Mapping[str, str], event: dict[str, Any]) -> bool:
        return self.genuine and headers.get("PAYPAL-TRANSMISSION-SIG") == "signed"


class FakeWise(WisePayouts):
    def __init__(self) -> None:
        self.transfers: dict[str, dict[str, Any]] = {}  # by withdrawal id (customerTransactionId)
        self.fail_next: Exception | None = None

    def send(self, *, withdrawal_id: str, amount: int, currency: str, recipient: WiseRecipient) -> PayoutSent:
        assert recipient == WiseRecipient("Lina Haddad", "FR7630006000011234567890189", "eur")
        if self.fail_next is not None:
            failure, self.fail_next = self.fail_next, None
            raise failure
        transfer = self.transfers.setdefault(
            withdrawal_id, {"id": str(50_000_000 + len(self.transfers)), "amount": amount, "status": "processing"}
        )
        return PayoutSent(transfer["id"], transfer["status"])

    def record(self, reference: str) -> PayoutRecord:
        transfer = next(t for t in self.transfers.values() if t["id"] == reference)
        status = transfer["status"]
        return PayoutRecord(reference, status, status == "outgoing_payment_sent", transfer["amount"], "usd")

    def verify_webhook(self, body: bytes, signature: str | None) -> bool:
        return signature == f"sig:{len(body)}"


class Payouts:
    def __init__(self) -> None:
        self.w = World(InMemoryStore())
        self.w.store.set("settings/affiliate", {"unlockThresholdCents": 5000})
        self.w.client("c1", "TTTTTTTT")
        self.w.deliver(self.w.capture(amount=100_000, earnings=60_000))
        validate_pending_commissions(self.w.clock.now() + timedelta(days=8), store=self.w.store, clock=self.w.clock)
        self.paypal, self.wise = FakePayPal(), FakeWise()
        self.rails = Rails(paypal=lambda: self.paypal, wise=lambda: self.wise)
        self.events = 0

    @property
    def store(self) -> InMemoryStore:
        return self.w.store

    def ask(self, data: dict[str, Any]) -> str:
        cmd = parse_command(RequestWithdrawalCommand, data)
        return str(request_withdrawal(cmd, T, store=self.store, clock=self.w.clock)["withdrawalId"])

    def process(self, wid: str, caller: Caller = ADMIN, **extra: Any) -> dict[str, Any]:
        cmd = parse_command(ProcessWithdrawalCommand, {"withdrawalId": wid, **extra})
        return process_withdrawal(cmd, caller, store=self.store, clock=self.w.clock, rails=self.rails)

    def withdrawal(self, wid: str) -> dict[str, Any]:
        return self.store.get(f"withdrawals/{wid}") or {}

    def profile(self) -> dict[str, Any]:
        return self.store.get("blogger_profiles/T") or {}

    def paypal_event(self, wid: str, status: str, *, minute: int, event_id: str | None = None) -> dict[str, Any]:
        self.events += 1
        item = self.paypal.items[wid]
        return {
            "id": event_id or f"WH-{self.events}",
            "create_time": f"2026-12-06T10:{minute:02d}:00Z",
            "event_type": f"PAYMENT.PAYOUTS-ITEM.{status}",
            "resource": {"payout_item_id": item["id"], "payout_item": {"sender_item_id": wid}},
        }

    def paypal_says(self, event: dict[str, Any], signature: str = "signed") -> tuple[int, dict[str, Any]]:
        body = json.dumps(event).encode()
        answer = handle_paypal_webhook(
            {"PAYPAL-TRANSMISSION-SIG": signature},
            body,
            store=self.store,
            clock=self.w.clock,
            paypal=lambda: self.paypal,
        )
        return answer.status, answer.body

    def wise_says(self, transfer_id: str, state: str, *, minute: int, signed: bool = True) -> int:
        event = {
            "data": {
                "resource": {"type": "transfer", "id": int(transfer_id)},
                "current_state": state,
                "occurred_at": f"2026-12-06T10:{minute:02d}:00Z",
            },
            "event_type": "transfers#state-change",
        }
        body = json.dumps(event).encode()
        signature = f"sig:{len(body)}" if signed else "forged"
        return handle_wise_webhook(body, signature, store=self.store, clock=self.w.clock, wise=lambda: self.wise).status

    def reconciled(self) -> None:
        assert set(reconcile_wallet("T", store=self.store)["difference"].values()) == {0}


@pytest.fixture
def p() -> Payouts:
    return Payouts()


def test_a_paypal_withdrawal_is_sent_once_and_completed_by_paypals_news(p: Payouts) -> None:
    wid = p.ask(PAYPAL)
    first = p.process(wid)
    assert (first["status"], first["reference"], first["sent"]) == ("processing", "ITEM0", True)
    assert p.process(wid)["sent"] is False, "a second click sends nothing"
    assert len(p.paypal.items) == 1
    assert p.profile()["tirelire"] == 3400
    assert p.paypal_says(p.paypal_event(wid, "SUCCEEDED", minute=5, event_id="WH-A"))[0] == 200
    assert (p.withdrawal(wid)["status"], p.withdrawal(wid)["railStatus"]) == ("completed", "SUCCEEDED")
    assert p.profile()["withdrawnTotal"] == 2000
    before = copy.deepcopy(p.store.docs)
    status, body = p.paypal_says(p.paypal_event(wid, "SUCCEEDED", minute=5, event_id="WH-A"))
    assert (status, body["duplicate"]) == (200, True)
    assert p.store.docs == before, "a replayed event changes nothing"
    with pytest.raises(FailedPrecondition):
        p.process(wid)
    p.reconciled()


def test_paypal_failures_credit_back_once_and_a_refund_after_payment_reverses_it(p: Payouts) -> None:
    wid = p.ask(PAYPAL)
    p.process(wid)
    p.paypal_says(p.paypal_event(wid, "SUCCEEDED", minute=5))
    assert p.paypal_says(p.paypal_event(wid, "REFUNDED", minute=9))[1]["status"] == "failed"
    assert (p.profile()["tirelire"], p.profile()["withdrawnTotal"]) == (5400, 0)
    assert p.paypal_says(p.paypal_event(wid, "RETURNED", minute=12))[1]["applied"] is False, "failed is final"
    assert p.profile()["tirelire"] == 5400
    p.reconciled()

    second = p.ask({**PAYPAL, "requestId": "again"})
    p.process(second)
    p.paypal_says(p.paypal_event(second, "UNCLAIMED", minute=20))
    assert (p.withdrawal(second)["status"], p.withdrawal(second)["railStatus"]) == ("processing", "UNCLAIMED")
    p.paypal_says(p.paypal_event(second, "RETURNED", minute=50))
    assert p.withdrawal(second)["status"] == "failed"
    assert p.profile()["tirelire"] == 5400
    p.reconciled()


def test_older_news_changes_nothing(p: Payouts) -> None:
    wid = p.ask(PAYPAL)
    p.process(wid)
    p.paypal_says(p.paypal_event(wid, "BLOCKED", minute=30))
    assert p.paypal_says(p.paypal_event(wid, "SUCCEEDED", minute=10))[1]["applied"] is False
    assert p.withdrawal(wid)["status"] == "failed"
    assert p.profile()["tirelire"] == 5400
    p.reconciled()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["SUCCEEDED", "REFUNDED", "FAILED", "UNCLAIMED", "RETURNED"]), max_size=6), st.data())
def test_any_order_of_news_moves_the_wallet_at_most_once_each_way(news: list[str], data: st.DataObject) -> None:
    p = Payouts()
    wid = p.ask(PAYPAL)
    p.process(wid)
    minutes = data.draw(st.lists(st.integers(0, 59), min_size=len(news), max_size=len(news)))
    for status, minute in zip(news, minutes, strict=True):
        p.paypal_says(p.paypal_event(wid, status, minute=minute))
    doc, profile = p.withdrawal(wid), p.profile()
    expected = {"completed": (3400, 2000), "failed": (5400, 0), "processing": (3400, 0)}[doc["status"]]
    assert (profile["tirelire"], int(profile.get("withdrawnTotal") or 0)) == expected
    p.reconciled()


def test_unsigned_news_is_refused_with_nothing_written(p: Payouts) -> None:
    wid = p.ask(PAYPAL)
    p.process(wid)
    before = copy.deepcopy(p.store.docs)
    assert p.paypal_says(p.paypal_event(wid, "SUCCEEDED", minute=5), signature="forged")[0] == 401
    assert p.paypal_says({"no": "id"})[0] == 400
    assert p.wise_says("50000000", "outgoing_payment_sent", minute=5, signed=False) == 401
    assert p.store.docs == before


def test_a_refused_send_fails_and_credits_back_a_lost_answer_is_sent_again(p: Payouts) -> None:
    wid = p.ask(PAYPAL)
    p.paypal.fail_next = RailUnavailable("timeout")
    with pytest.raises(Unavailable):
        p.process(wid)
    assert (p.withdrawal(wid)["status"], p.withdrawal(wid)["reference"]) == ("processing", None)
    assert p.process(wid)["reference"] == "ITEM0", "sent again: the rail's keys make it once"
    assert len(p.paypal.items) == 1

    p2 = Payouts()
    refused = p2.ask(PAYPAL)
    p2.paypal.fail_next = RailRefused("VALIDATION_ERROR", "Receiver is invalid or does not match with type")
    answer = p2.process(refused)
    assert (answer["status"], answer["sent"]) == ("failed", False)
    assert "Receiver is invalid" in p2.withdrawal(refused)["reason"]
    assert p2.profile()["tirelire"] == 5400
    p2.reconciled()


def test_only_admins_process_and_bank_details_are_for_bank_transfers(p: Payouts) -> None:
    wid = p.ask(PAYPAL)
    with pytest.raises(PermissionDenied):
        p.process(wid, caller=T)
    with pytest.raises(InvalidArgument) as raised:
        p.process(wid, bankReference="VIR-1")
    assert raised.value.field == "bankReference"
    assert p.withdrawal(wid)["status"] == "pending"


def test_a_wise_withdrawal_completes_bounces_back_or_waits_for_its_balance(p: Payouts) -> None:
    wid = p.ask(WISE)
    p.wise.fail_next = RailBlocked("transfer.insufficient_funds")
    with pytest.raises(FailedPrecondition, match="top up"):
        p.process(wid)
    assert p.process(wid)["reference"] == "50000000"
    assert p.wise_says("50000000", "funds_converted", minute=3) == 200
    assert p.wise_says("50000000", "outgoing_payment_sent", minute=8) == 200
    assert p.withdrawal(wid)["status"] == "completed"
    assert p.wise_says("50000000", "funds_converted", minute=3) == 200, "a replay"
    assert p.withdrawal(wid)["status"] == "completed"
    assert p.wise_says("50000000", "bounced_back", minute=20) == 200
    assert (p.withdrawal(wid)["status"], p.profile()["tirelire"]) == ("failed", 5400)
    assert p.wise_says("50000000", "funds_refunded", minute=40) == 200
    assert p.profile()["tirelire"] == 5400, "credited back once"
    p.reconciled()
    assert p.wise_says("59999999", "outgoing_payment_sent", minute=9) == 503, "not recorded yet: deliver again"
    assert p.wise_says("59999999", "processing", minute=9) == 200


def test_reconciliation_reports_what_the_rails_disagree_with(p: Payouts) -> None:
    wid = p.ask(PAYPAL)
    p.process(wid)
    p.paypal.items[wid]["status"] = "SUCCESS"
    p.paypal_says(p.paypal_event(wid, "SUCCEEDED", minute=5))
    report = reconcile_payouts(store=p.store, clock=p.w.clock, rails=p.rails)
    assert (report["payoutsChecked"], report["unexplainedCents"], report["wallets"]) == (1, 0, 3)
    p.paypal.items[wid]["status"] = "REVERSED"  # PayPal sends no event for a reversal
    report = record_reconciliation(store=p.store, clock=p.w.clock, rails=p.rails)
    assert report["unexplainedCents"] == 2000
    assert report["payoutProblems"][0]["why"] == "completed here, not paid by the rail"
    day = p.w.clock.now().date().isoformat()
    assert (p.store.get(f"payout_reconciliations/{day}") or {})["unexplainedCents"] == 2000
    p.store.set("blogger_profiles/T", {"tirelire": 1}, merge=True)
    assert reconcile_payouts(store=p.store, clock=p.w.clock, rails=p.rails)["unexplainedCents"] > 2000
