"""The Firestore adapter against the real emulator: atomicity, create conflicts, races."""

import threading
from typing import Any

import pytest

from shared.kernel.adapters.firestore_store import FirestoreDocumentStore
from shared.kernel.store import Transaction


def test_transaction_writes_are_atomic(store: FirestoreDocumentStore) -> None:
    def half_then_fail(tx: Transaction) -> None:
        tx.set("things/a", {"n": 1})
        raise RuntimeError("abort")

    with pytest.raises(RuntimeError):
        store.run_transaction(half_then_fail)
    assert store.get("things/a") is None


def test_create_fails_when_the_document_exists(store: FirestoreDocumentStore) -> None:
    store.set("things/a", {"n": 1})
    with pytest.raises(Exception, match=r"(?i)exist"):
        store.run_transaction(lambda tx: tx.create("things/a", {"n": 2}))
    assert store.get("things/a") == {"n": 1}


def test_concurrent_read_modify_write_loses_no_update(firestore_client: Any) -> None:
    # The emulator serialises contended transactions about 2.5 s apart (real Firestore does not):
    # the eighth waits behind seven, longer than the deployed patience on a busy machine.
    store = FirestoreDocumentStore(firestore_client, contention_patience=180)
    store.set("counters/c", {"n": 0})

    def increment(tx: Transaction) -> None:
        doc = tx.get("counters/c") or {"n": 0}
        tx.set("counters/c", {"n": doc["n"] + 1})

    threads = [threading.Thread(target=lambda: store.run_transaction(increment)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.get("counters/c") == {"n": 8}


def test_exactly_one_of_n_racing_creators_wins(store: FirestoreDocumentStore) -> None:
    winners: list[int] = []
    barrier = threading.Barrier(10)

    def claim(i: int) -> None:
        def run(tx: Transaction) -> bool:
            if tx.get("claims/one") is not None:
                return False
            tx.create("claims/one", {"by": i})
            return True

        barrier.wait()
        try:
            if store.run_transaction(run):
                winners.append(i)
        except Exception:  # a loser may also see the create conflict at commit
            pass

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1
    doc: Any = store.get("claims/one")
    assert doc["by"] == winners[0]


def test_operation_counts_are_recorded(store: FirestoreDocumentStore) -> None:
    store.run_transaction(lambda tx: (tx.get("x/1"), tx.set("x/1", {"a": 1})))
    assert store.counts.reads >= 1 and store.counts.writes >= 1 and store.counts.transactions >= 1


def test_settings_are_kept_for_their_ttl_then_read_again(firestore_client: Any) -> None:
    now = [100.0]
    cached = FirestoreDocumentStore(firestore_client, settings_ttl=60, monotonic=lambda: now[0])
    operator = FirestoreDocumentStore(firestore_client)
    operator.set("settings/calls", {"minBillableSeconds": 60})
    operator.set("providers/p1", {"n": 1})
    assert cached.get("settings/calls") == {"minBillableSeconds": 60}
    assert cached.get("providers/p1") == {"n": 1}
    reads = cached.counts.reads

    operator.set("settings/calls", {"minBillableSeconds": 90})
    operator.set("providers/p1", {"n": 2})
    now[0] += 59
    seen = cached.get("settings/calls")
    assert seen == {"minBillableSeconds": 60} and cached.counts.reads == reads  # the instance's copy
    assert seen is not None
    seen["minBillableSeconds"] = 0  # a caller changing its copy changes nothing kept
    assert cached.get("settings/calls") == {"minBillableSeconds": 60}
    assert cached.get("providers/p1") == {"n": 2}, "only settings are kept"
    assert cached.run_transaction(lambda tx: tx.get("settings/calls")) == {"minBillableSeconds": 90}

    now[0] += 2
    assert cached.get("settings/calls") == {"minBillableSeconds": 90}
    cached.set("settings/calls", {"minBillableSeconds": 30})
    assert cached.get("settings/calls") == {"minBillableSeconds": 30}, "its own write is read back"


def test_without_a_ttl_settings_are_read_every_time(store: FirestoreDocumentStore) -> None:
    store.set("settings/calls", {"minBillableSeconds": 60})
    store.get("settings/calls")
    reads = store.counts.reads
    store.get("settings/calls")
    assert store.counts.reads == reads + 1
