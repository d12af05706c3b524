"""Withdrawals: open once the wallet is unlocked and holds enough, one open at a time (of
concurrent requests exactly one passes), the amount debited in the same transaction; a rejected
one is credited back; a bank transfer is marked paid by the admin; the ledger always reconciles."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest

from shared.affiliates.services.reconciliation import reconcile_wallet
from shared.affiliates.services.release import validate_pending_commissions
from shared.kernel.commands import Caller, parse_command
from shared.kernel.errors import DomainError, FailedPrecondition, InvalidArgument, PermissionDenied
from shared.payouts.services.commands import (
    ListWithdrawalsCommand,
    ProcessWithdrawalCommand,
    RejectWithdrawalCommand,
    RequestWithdrawalCommand,
)
from shared.payouts.services.withdrawals import (
    list_withdrawals,
    mark_bank_withdrawal_paid,
    reject_withdrawal,
    request_withdrawal,
)
from tests.fakes import InMemoryStore
from tests.unit.test_affiliate_commissions import World

T = Caller("T", {"role": "blogger"})
ADMIN = Caller("admin", {"admin": True})
PAYPAL: dict[str, Any] = {"amountCents": 2000, "method": "paypal", "details": {"email": "Lina@Example.com"}}
IBAN = "FR7630006000011234567890189"
BANK: dict[str, Any] = {
    "amountCents": 2500,
    "method": "bank",
    "details": {"accountHolderName": "Lina Haddad", "iban": IBAN, "bic": "BNPAFRPP"},
}


@pytest.fixture
def w() -> World[InMemoryStore]:
    """T earned 5400 USD cents (5 % of a 1000 EUR call at 1.08), released; $50 unlocks here."""
    world = World(InMemoryStore())
    world.store.set("settings/affiliate", {"unlockThresholdCents": 5000})
    world.client("c1", "TTTTTTTT")
    world.deliver(world.capture(amount=100_000, earnings=60_000))
    return world


def release(w: World[InMemoryStore]) -> None:
    validate_pending_commissions(w.clock.now() + timedelta(days=8), store=w.store, clock=w.clock)


def ask(w: World[InMemoryStore], data: dict[str, Any], caller: Caller = T) -> dict[str, Any]:
    return request_withdrawal(parse_command(RequestWithdrawalCommand, data), caller, store=w.store, clock=w.clock)


def tirelire(w: World[InMemoryStore]) -> int:
    return int((w.store.get("blogger_profiles/T") or {})["tirelire"])


def reconciled(w: World[InMemoryStore]) -> None:
    report = reconcile_wallet("T", store=w.store)
    assert set(report["difference"].values()) == {0}, report


def test_a_wallet_on_hold_or_not_unlocked_cannot_withdraw(w: World[InMemoryStore]) -> None:
    with pytest.raises(FailedPrecondition, match="withdrawals open once"):
        ask(w, PAYPAL)
    w.store.set("settings/affiliate", {"unlockThresholdCents": 15_000})
    release(w)
    assert (w.store.get("blogger_profiles/T") or {}).get("commissionUnlocked") is None
    with pytest.raises(FailedPrecondition, match="withdrawals open once"):
        ask(w, PAYPAL)


def test_a_withdrawal_debits_once_and_a_rejection_credits_back(w: World[InMemoryStore]) -> None:
    release(w)
    assert (w.store.get("blogger_profiles/T") or {})["commissionUnlocked"] is True
    first = ask(w, {**PAYPAL, "requestId": "req-1"})
    assert (first["created"], first["status"], first["available"], first["details"]) == (
        True,
        "pending",
        3400,
        {"email": "lina@example.com"},
    )
    assert ask(w, {**PAYPAL, "requestId": "req-1"})["created"] is False, "the same request again"
    with pytest.raises(FailedPrecondition, match="already in progress"):
        ask(w, {**PAYPAL, "requestId": "req-2"})
    assert tirelire(w) == 3400
    reconciled(w)
    listed = list_withdrawals(ListWithdrawalsCommand(status="pending"), ADMIN, store=w.store)["withdrawals"]
    assert [(x["withdrawalId"], x["uid"]) for x in listed] == [(first["withdrawalId"], "T")]

    cmd = parse_command(RejectWithdrawalCommand, {"withdrawalId": first["withdrawalId"], "reason": "KYC unclear"})
    assert reject_withdrawal(cmd, ADMIN, store=w.store, clock=w.clock)["status"] == "rejected"
    assert tirelire(w) == 5400
    reconciled(w)
    with pytest.raises(FailedPrecondition):
        reject_withdrawal(cmd, ADMIN, store=w.store, clock=w.clock)
    assert tirelire(w) == 5400, "credited back once"
    assert ask(w, {**PAYPAL, "requestId": "req-3"})["created"] is True, "closed: a new one may open"


def test_a_bank_withdrawal_is_marked_paid_with_the_banks_reference(w: World[InMemoryStore]) -> None:
    release(w)
    opened = ask(w, BANK)
    assert opened["details"]["iban"] == "••••0189"
    wid = opened["withdrawalId"]
    with pytest.raises(InvalidArgument) as raised:
        mark_bank_withdrawal_paid(ProcessWithdrawalCommand(withdrawalId=wid), ADMIN, store=w.store, clock=w.clock)
    assert raised.value.field == "bankReference"
    paid = ProcessWithdrawalCommand(withdrawalId=wid, bankReference="VIR-2026-12-06-0042")
    answer = mark_bank_withdrawal_paid(paid, ADMIN, store=w.store, clock=w.clock)
    assert (answer["status"], answer["commissionsPaid"]) == ("completed", 0), "5400 not yet withdrawn in all"
    with pytest.raises(FailedPrecondition):
        reject_withdrawal(RejectWithdrawalCommand(withdrawalId=wid, reason="late"), ADMIN, store=w.store, clock=w.clock)
    assert tirelire(w) == 2900
    reconciled(w)
    by_paypal = ask(w, PAYPAL)["withdrawalId"]
    with pytest.raises(FailedPrecondition):
        mark_bank_withdrawal_paid(
            ProcessWithdrawalCommand(withdrawalId=by_paypal, bankReference="x"), ADMIN, store=w.store, clock=w.clock
        )


def test_never_more_than_available(w: World[InMemoryStore]) -> None:
    release(w)
    with pytest.raises(FailedPrecondition) as raised:
        ask(w, {**PAYPAL, "amountCents": 5401})
    assert raised.value.field == "amountCents" and tirelire(w) == 5400


def test_ten_simultaneous_requests_open_exactly_one(w: World[InMemoryStore]) -> None:
    release(w)
    barrier, outcomes = threading.Barrier(10), []

    def one(n: int) -> None:
        barrier.wait()
        try:
            outcomes.append(ask(w, {**PAYPAL, "requestId": f"click-{n}"})["created"])
        except DomainError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (outcomes.count(True), outcomes.count("FAILED_PRECONDITION"), len(outcomes)) == (1, 9, 10)
    assert tirelire(w) == 3400
    reconciled(w)


def test_only_affiliates_withdraw_and_only_admins_decide(w: World[InMemoryStore]) -> None:
    with pytest.raises(PermissionDenied):
        ask(w, PAYPAL, Caller("c1", {"role": "client"}))
    with pytest.raises(PermissionDenied):
        list_withdrawals(ListWithdrawalsCommand(), T, store=w.store)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amountCents": 1999}, "amountCents"),
        ({"amountCents": "2000"}, "amountCents"),
        ({"method": "cash"}, "method"),
        ({"details": "lina@example.com"}, "details"),
        ({"details": {"email": "not-an-email"}}, "details.email"),
        ({"details": {"email": "a@b.co", "iban": IBAN}}, "details.iban"),
        ({"method": "bank", "details": {**BANK["details"], "iban": IBAN[:-1] + "8"}}, "details.iban"),
        ({"method": "bank", "details": {**BANK["details"], "bic": "NOTABIC"}}, "details.bic"),
        ({"method": "bank", "details": {**BANK["details"], "bic": "DEUTDEFF"}}, "details.bic"),
        ({"method": "bank", "details": {**BANK["details"], "accountHolderName": " "}}, "details.accountHolderName"),
        (
            {"method": "wise", "details": {"accountHolderName": "L", "iban": IBAN, "currency": "xyz"}},
            "details.currency",
        ),
        ({"requestId": "bad id!"}, "requestId"),
        ({"extra": True}, "extra"),
    ],
)
def test_bad_input_names_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidArgument) as raised:
        parse_command(RequestWithdrawalCommand, {**PAYPAL, **changes})
    assert raised.value.field == field


def test_commissions_become_paid_once_withdrawn_and_a_later_refund_claws_back(w: World[InMemoryStore]) -> None:
    release(w)
    for amount in (2500, 2900):
        wid = ask(w, {**BANK, "amountCents": amount})["withdrawalId"]
        cmd = ProcessWithdrawalCommand(withdrawalId=wid, bankReference=f"VIR-{amount}")
        done = mark_bank_withdrawal_paid(cmd, ADMIN, store=w.store, clock=w.clock)
    assert done["commissionsPaid"] == 1
    assert {c["state"] for c in w.commissions().values() if c["beneficiaryId"] == "T"} == {"paid"}
    w.deliver(w.refund(100_000, "re_1", captured=100_000))
    row = next(c for c in w.commissions().values() if c["beneficiaryId"] == "T")
    assert (row["state"], row["takenBack"]) == ("paid", 5400), "a paid commission stays paid, clawed back"
    assert tirelire(w) == -5400, "the wallet goes below zero; later commissions pay it back"
    reconciled(w)
