"""Contended Firestore transactions: retried whole, then ABORTED (never an internal error)."""

import pytest
from google.api_core.exceptions import Aborted as CommitAborted

from shared.kernel.adapters.firestore_store import retry_contended
from shared.kernel.errors import Aborted


def test_a_transaction_that_stops_colliding_commits() -> None:
    tries: list[int] = []

    def attempt() -> str:
        tries.append(1)
        if len(tries) < 3:
            raise CommitAborted("Transaction lock timeout.")  # type: ignore[no-untyped-call]
        return "committed"

    assert retry_contended(attempt, retries=4) == "committed" and len(tries) == 3


@pytest.mark.parametrize(
    "collision",
    [
        CommitAborted("Transaction lock timeout."),  # type: ignore[no-untyped-call]
        ValueError("Failed to commit transaction in 5 attempts."),
    ],
)
def test_contention_outlasting_the_retries_is_aborted(collision: Exception) -> None:
    tries: list[int] = []

    def attempt() -> None:
        tries.append(1)
        raise collision

    with pytest.raises(Aborted) as raised:
        retry_contended(attempt, retries=2)
    assert raised.value.code == "ABORTED" and raised.value.__cause__ is collision and len(tries) == 2


def test_other_errors_are_not_retried() -> None:
    tries: list[int] = []

    def attempt() -> None:
        tries.append(1)
        raise KeyError("amount")

    with pytest.raises(KeyError):
        retry_contended(attempt, retries=5)
    assert len(tries) == 1


class _LockedOnce:
    """A Firestore document whose first write is aborted by another transaction's lock."""

    def __init__(self) -> None:
        self.writes: list[dict[str, object]] = []

    def document(self, path: str) -> "_LockedOnce":
        return self

    def set(self, data: dict[str, object], merge: bool = False) -> None:
        self.writes.append(data)
        if len(self.writes) == 1:
            raise CommitAborted("Transaction lock timeout.")  # type: ignore[no-untyped-call]


def test_a_plain_write_aborted_by_a_transaction_lock_is_written_again() -> None:
    from shared.kernel.adapters.firestore_store import FirestoreDocumentStore

    client = _LockedOnce()
    FirestoreDocumentStore(client).set("call_sessions/s1", {"twilioCost": {"checks": 1}}, merge=True)
    assert client.writes == [{"twilioCost": {"checks": 1}}] * 2


def test_contention_is_retried_for_the_whole_patience_not_only_the_count() -> None:
    import time

    tries: list[float] = []

    def attempt() -> str:
        tries.append(time.monotonic())
        if tries[-1] - tries[0] < 0.5:
            raise CommitAborted("Transaction lock timeout.")  # type: ignore[no-untyped-call]
        return "committed"

    assert retry_contended(attempt, retries=2, patience=5.0) == "committed" and len(tries) > 2
