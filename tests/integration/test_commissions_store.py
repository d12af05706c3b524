"""Commissions on the real Firestore emulator: a capture event delivered to several instances at
once earns each commission once and moves each wallet once; a refund racing the hold period's end
leaves the wallet equal to its ledger."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from shared.affiliates.services.reconciliation import reconcile_wallet
from shared.affiliates.services.release import validate_pending_commissions
from shared.kernel.adapters.firestore_store import FirestoreDocumentStore
from shared.kernel.errors import Aborted
from tests.unit.test_affiliate_commissions import R, S, T, World


def race(works: list[Callable[[], Any]]) -> list[Any]:
    """Run each at the same moment on its own thread; their results. The emulator's pessimistic
    locks may abort one (ABORTED: the sender retries, as the trigger and the web app do): an
    aborted one is run again once the race is over."""
    barrier = threading.Barrier(len(works))
    results: list[Any] = []
    errors: list[Exception] = []
    aborted: list[Callable[[], Any]] = []

    def run(work: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results.append(work())
        except Aborted:
            aborted.append(work)
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    results.extend(work() for work in aborted)
    return results


def world(firestore_client: Any) -> World[FirestoreDocumentStore]:
    # The emulator serialises contended transactions seconds apart: more patience than deployed.
    w = World(FirestoreDocumentStore(firestore_client, contention_patience=180))
    w.client("c1", "TTTTTTTT")
    return w


def test_a_capture_delivered_to_five_instances_at_once_earns_each_commission_once(firestore_client: Any) -> None:
    w = world(firestore_client)
    event = w.capture()
    results = race([lambda: w.deliver(event)] * 5)
    assert sorted(len(r) for r in results) == [0, 0, 0, 0, 3], "one delivery applies it, the others find it applied"
    rows = w.commissions()
    assert sorted((c["beneficiaryId"], c["walletAmount"]) for c in rows.values()) == [("R", 52), ("S", 105), ("T", 264)]
    assert [w.profile(x)["pendingBalance"] for x in (T, S, R)] == [264, 105, 52]
    w.balanced()


def test_a_refund_racing_the_release_leaves_every_wallet_equal_to_its_ledger(firestore_client: Any) -> None:
    w = world(firestore_client)
    w.deliver(w.capture())
    refund = w.refund(4900, "re_1")
    due = min(c["availableAt"] for c in w.commissions().values())
    race([lambda: w.deliver(refund), lambda: validate_pending_commissions(due, store=w.store, clock=w.clock)])
    for sponsor in (R, S, T):
        report = reconcile_wallet(sponsor.uid, store=w.store)
        assert set(report["difference"].values()) == {0}, report
        assert report["stored"]["tirelire"] == 0 and report["stored"]["pendingBalance"] == 0
    assert {c["state"] for c in w.commissions().values()} == {"voided"}
