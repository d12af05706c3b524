"""`backup_runs/{YYYY-MM-DD}`: what each day's Firestore backup did (written here only; admins
read them): its status, the collections and where they went, the old folders it deleted."""

from __future__ import annotations

from datetime import date
from typing import Any

from shared.kernel.store import Document, DocumentStore

BACKUP_RUNS = "backup_runs"


def run_path(day: date) -> str:
    return f"{BACKUP_RUNS}/{day.isoformat()}"


def record(store: DocumentStore, day: date, report: dict[str, Any]) -> None:
    """The day's report, replacing the one of an earlier run of the same day (a retry)."""
    store.set(run_path(day), report)


def run_of(store: DocumentStore, day: date) -> Document | None:
    """The report of an earlier run of the same day (a retry, a second delivery), if any."""
    return store.get(run_path(day))
