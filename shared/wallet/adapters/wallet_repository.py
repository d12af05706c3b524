"""The wallet ledger's documents: `wallet_entries/{id}`, one per movement, never edited. The id
derives from what caused it (`commission_{commissionId}`, `clawback_{commissionId}_{refundId}`),
so a movement is written once however often its cause is replayed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.kernel.store import Collection, DocumentStore, Transaction
from shared.wallet.domain.wallet import WALLET_CURRENCY, Entry, EntryKind

ENTRIES = Collection("wallet_entries")

entry_path = ENTRIES.doc


def write_entry(
    tx: Transaction, entry_id: str, uid: str, entry: Entry, *, now: datetime, details: dict[str, Any] | None = None
) -> None:
    tx.create(
        entry_path(entry_id),
        {
            "entryId": entry_id,
            "uid": uid,
            "kind": entry.kind.value,
            "amount": entry.amount,
            "currency": WALLET_CURRENCY,
            "source": entry.source,
            "createdAt": now,
            **(details or {}),
        },
    )


def entries_of(store: DocumentStore, uid: str, *, limit: int = 10_000) -> list[Entry]:
    rows = store.find(ENTRIES, [("uid", "==", uid)], limit=limit)
    return [Entry(EntryKind(doc["kind"]), int(doc["amount"]), str(doc.get("source", ""))) for _, doc in rows]
