"""Withdrawals on the real Firestore emulator: five requests at the same moment open exactly one
withdrawal and debit the wallet once; rejecting it twice at once credits it back once."""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any

from shared.affiliates.services.reconciliation import reconcile_wallet
from shared.affiliates.services.release import validate_pending_commissions
from shared.kernel.adapters.firestore_store import FirestoreDocumentStore
from shared.kernel.commands import Caller, parse_command
from shared.kernel.errors import Aborted, DomainError
from shared.payouts.services.commands import RejectWithdrawalCommand, RequestWithdrawalCommand
from shared.payouts.services.withdrawals import reject_withdrawal, request_withdrawal
from tests.integration.test_commissions_store import race
from tests.unit.test_affiliate_commissions import World

T, ADMIN = Caller("T", {"role": "blogger"}), Caller("admin", {"admin": True})


def unlocked_world(firestore_client: Any) -> World[FirestoreDocumentStore]:
    w = World(FirestoreDocumentStore(firestore_client, contention_patience=180))
    w.store.set("settings/affiliate", {"unlockThresholdCents": 5000})
    w.client("c1", "TTTTTTTT")
    w.deliver(w.capture(amount=100_000, earnings=60_000))
    validate_pending_commissions(w.clock.now() + timedelta(days=8), store=w.store, clock=w.clock)
    return w


def outcome(work: Any) -> Any:
    """The answer, or the refusal's code; an ABORTED one is left to `race` to run again."""
    try:
        return work()
    except Aborted:
        raise
    except DomainError as exc:
        return exc.code


def test_requests_at_once_open_one_withdrawal(firestore_client: Any) -> None:
    w = unlocked_world(firestore_client)

    def ask(n: int) -> Any:
        data = {"amountCents": 2000, "method": "paypal", "details": {"email": "t@x.test"}, "requestId": f"c{n}"}
        cmd = parse_command(RequestWithdrawalCommand, data)
        return outcome(lambda: request_withdrawal(cmd, T, store=w.store, clock=w.clock)["created"])

    results = race([partial(ask, n) for n in range(5)])
    assert sorted(results, key=str) == ["FAILED_PRECONDITION"] * 4 + [True], results
    report = reconcile_wallet("T", store=w.store)
    assert report["stored"]["tirelire"] == 3400 and set(report["difference"].values()) == {0}

    opened = w.store.find("withdrawals", [], limit=10)
    cmd = RejectWithdrawalCommand(withdrawalId=opened[0][0], reason="duplicate account")
    rejected = race([lambda: outcome(lambda: reject_withdrawal(cmd, ADMIN, store=w.store, clock=w.clock))] * 2)
    assert sorted(map(str, rejected)) == [
        "FAILED_PRECONDITION",
        str({"withdrawalId": opened[0][0], "status": "rejected", "reference": None, "railStatus": None}),
    ]
    report = reconcile_wallet("T", store=w.store)
    assert report["stored"]["tirelire"] == 5400 and set(report["difference"].values()) == {0}
