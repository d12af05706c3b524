"""The settings documents an admin changes (`settings/{name}`, which every service reads) and
their history, `settings_history/{name}_{version}` (who, when, before, after), written here only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.kernel.store import Document, DocumentStore, Transaction

HISTORY = "settings_history"


def history_path(name: str, version: int) -> str:
    return f"{HISTORY}/{name}_{version:06d}"


def read_current(tx: Transaction, path: str) -> Document | None:
    return tx.get(path)


def read_version(reader: DocumentStore | Transaction, name: str, version: int) -> Document | None:
    return reader.get(history_path(name, version))


def write_version(
    tx: Transaction,
    path: str,
    name: str,
    version: int,
    *,
    before: dict[str, Any],
    after: dict[str, Any],
    by: str,
    now: datetime,
    reverted_from: int | None = None,
) -> None:
    tx.set(path, {**after, "version": version, "updatedAt": now, "updatedBy": by})
    tx.create(
        history_path(name, version),
        {
            "name": name,
            "version": version,
            "before": before,
            "after": after,
            "by": by,
            "at": now,
            "revertedFrom": reverted_from,
        },
    )


def record_baseline(tx: Transaction, name: str, values: dict[str, Any], *, now: datetime) -> None:
    tx.create(
        history_path(name, 0),
        {"name": name, "version": 0, "before": None, "after": values, "by": "initial", "at": now, "revertedFrom": None},
    )


def history_of(store: DocumentStore, name: str, *, limit: int = 20) -> list[Document]:
    rows = store.find(HISTORY, [("name", "==", name)], limit=500)
    return sorted((doc for _, doc in rows), key=lambda d: int(d["version"]), reverse=True)[:limit]
