"""Firestore implementation of the DocumentStore port, counting reads and writes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from shared.kernel.errors import Aborted
from shared.kernel.store import Document, DocumentStore, Filter, Transaction

T = TypeVar("T")


@dataclass
class OperationCounts:
    reads: int = 0
    writes: int = 0
    transactions: int = 0


class _FirestoreTransaction(Transaction):
    def __init__(self, client: Any, transaction: Any, counts: OperationCounts) -> None:
        self._client = client
        self._transaction = transaction
        self._counts = counts

    def get(self, path: str) -> Document | None:
        self._counts.reads += 1
        snapshot = self._client.document(path).get(transaction=self._transaction)
        return snapshot.to_dict() if snapshot.exists else None

    def create(self, path: str, data: Document) -> None:
        self._counts.writes += 1
        self._transaction.create(self._client.document(path), data)

    def set(self, path: str, data: Document, *, merge: bool = False) -> None:
        self._counts.writes += 1
        self._transaction.set(self._client.document(path), data, merge=merge)

    def update(self, path: str, data: Document) -> None:
        self._counts.writes += 1
        self._transaction.update(self._client.document(path), data)


def _contended(exc: BaseException) -> bool:
    from google.api_core.exceptions import Aborted as CommitAborted

    return isinstance(exc, CommitAborted) or (isinstance(exc, ValueError) and "Failed to commit" in str(exc))


def retry_contended(attempt: Callable[[], T], retries: int, patience: float = 0.0) -> T:
    """Run a whole transaction (or a plain write) again after a random, growing pause while
    it keeps colliding: at least `retries` times and for at least `patience` seconds.

    The client re-runs an aborted commit at once; under heavy contention (and in the emulator,
    whose locks can deadlock) lock-step retries keep colliding, and on a busy machine a fixed
    number of tries runs out while the other writers are still queued. When contention outlasts
    both budgets the caller gets `Aborted` (ABORTED to callables, 5xx to webhooks: both retry
    later)."""
    from tenacity import (
        RetryError,
        Retrying,
        retry_if_exception,
        stop_after_attempt,
        stop_after_delay,
        wait_random_exponential,
    )

    try:
        for tried in Retrying(
            retry=retry_if_exception(_contended),
            wait=wait_random_exponential(multiplier=0.1, max=2.0),
            stop=stop_after_attempt(retries) & stop_after_delay(patience),
        ):
            with tried:
                result = attempt()
    except RetryError as exc:
        cause = exc.last_attempt.exception()
        raise Aborted("this data is being changed by a concurrent request; retry shortly") from cause
    return result


class FirestoreDocumentStore(DocumentStore):
    """Documents in Cloud Firestore (or its emulator) through the Admin SDK client. Nothing is
    cached: a `settings/*` document an admin changes is what the very next request reads."""

    def __init__(
        self,
        client: Any,
        max_attempts: int = 5,
        contention_retries: int = 6,
        contention_patience: float = 20.0,
    ) -> None:
        self._client = client
        self._max_attempts = max_attempts
        self._contention_retries = contention_retries
        self._contention_patience = contention_patience
        self.counts = OperationCounts()

    def run_transaction(self, fn: Callable[[Transaction], T]) -> T:
        from google.cloud import firestore

        @firestore.transactional
        def run(transaction: Any) -> T:
            self.counts.transactions += 1
            return fn(_FirestoreTransaction(self._client, transaction, self.counts))

        def attempt() -> T:
            result: T = run(self._client.transaction(max_attempts=self._max_attempts))
            return result

        return retry_contended(attempt, self._contention_retries, self._contention_patience)

    def get(self, path: str) -> Document | None:
        self.counts.reads += 1
        snapshot = self._client.document(path).get()
        return snapshot.to_dict() if snapshot.exists else None

    def set(self, path: str, data: Document, *, merge: bool = False) -> None:
        def write() -> None:
            self.counts.writes += 1
            self._client.document(path).set(data, merge=merge)

        # A plain write waits for the locks of transactions on the same document and can be
        # aborted like them; writing the same data again is harmless.
        retry_contended(write, self._contention_retries, self._contention_patience)

    def create(self, path: str, data: Document) -> bool:
        from google.api_core.exceptions import AlreadyExists

        self.counts.writes += 1
        try:
            self._client.document(path).create(data)
        except AlreadyExists:
            return False
        return True

    def find(
        self,
        collection: str,
        filters: list[Filter],
        *,
        limit: int = 100,
        order_by: str | None = None,
        start_after: Any = None,
    ) -> list[tuple[str, Document]]:
        query = _where(self._client.collection(collection), filters)
        if order_by is not None:
            query = query.order_by(order_by)
            if start_after is not None:
                query = query.start_after({order_by: start_after})
        snapshots = list(query.limit(limit).stream())
        self.counts.reads += max(1, len(snapshots))
        return [(snap.id, snap.to_dict()) for snap in snapshots]

    def find_in_group(
        self, collection_id: str, filters: list[Filter], *, limit: int = 100
    ) -> list[tuple[str, Document]]:
        snapshots = list(_where(self._client.collection_group(collection_id), filters).limit(limit).stream())
        self.counts.reads += max(1, len(snapshots))
        return [(snap.reference.path, snap.to_dict()) for snap in snapshots]


def _where(query: Any, filters: list[Filter]) -> Any:
    from google.cloud.firestore_v1.base_query import FieldFilter

    for field, op, value in filters:
        query = query.where(filter=FieldFilter(field, op, value))
    return query
