"""Document store port (Firestore in production, an in-memory fake in unit tests)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
Document = dict[str, Any]
Filter = tuple[str, str, Any]
"""(field, operator, value) with operator one of ==, !=, <, <=, >, >=, in, array_contains."""


class Collection(str):
    """A top-level collection's name (it is the string); `doc(id)` is one document's path."""

    __slots__ = ()

    def doc(self, doc_id: object) -> str:
        return f"{self}/{doc_id}"


class Transaction(ABC):
    """One atomic read-then-write unit. As in Firestore, every read comes before any write,
    and the whole function may be re-run on contention, so it must have no side effect
    besides its reads and writes (never call Stripe or Twilio inside)."""

    @abstractmethod
    def get(self, path: str) -> Document | None:
        """Read the document at `collection/id[/...]`, or None when missing."""

    @abstractmethod
    def create(self, path: str, data: Document) -> None:
        """Create the document; the commit fails if it already exists."""

    @abstractmethod
    def set(self, path: str, data: Document, *, merge: bool = False) -> None:
        """Write the document, replacing it unless `merge`."""

    @abstractmethod
    def update(self, path: str, data: Document) -> None:
        """Update fields of an existing document."""


class DocumentStore(ABC):
    """Reads, writes and transactions over documents addressed by path."""

    @abstractmethod
    def run_transaction(self, fn: Callable[[Transaction], T]) -> T:
        """Run `fn` atomically, re-running it on contention; its exceptions abort it.
        Contention that outlasts the retries raises `shared.kernel.errors.Aborted`."""

    @abstractmethod
    def get(self, path: str) -> Document | None:
        """Read one document outside any transaction."""

    @abstractmethod
    def set(self, path: str, data: Document, *, merge: bool = False) -> None:
        """Write one document outside any transaction (retried on contention: no increments)."""

    @abstractmethod
    def create(self, path: str, data: Document) -> bool:
        """Create the document outside any transaction; False when it already exists."""

    @abstractmethod
    def find(
        self,
        collection: str,
        filters: list[Filter],
        *,
        limit: int = 100,
        order_by: str | None = None,
        start_after: Any = None,
    ) -> list[tuple[str, Document]]:
        """Documents of a collection matching all filters, as (id, data), at most `limit`: by id,
        or ascending by `order_by` from the first value after `start_after` (a page's cursor)."""

    @abstractmethod
    def find_in_group(
        self, collection_id: str, filters: list[Filter], *, limit: int = 100
    ) -> list[tuple[str, Document]]:
        """Documents of every collection named `collection_id`, at any depth, matching all
        filters, as (path, data), at most `limit` (a collection-group query)."""


def as_answer(value: Any) -> Any:
    """A stored value as a callable may answer it: times as ISO 8601 text, everything else as is
    (nested dicts and lists included)."""
    from datetime import datetime

    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: as_answer(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_answer(v) for v in value]
    return value
