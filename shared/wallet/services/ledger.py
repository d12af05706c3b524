"""What other areas do with a wallet: post a movement in their transaction, read the ledger back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.kernel.store import DocumentStore, Transaction
from shared.wallet.adapters import wallet_repository
from shared.wallet.domain.wallet import Balances, Entry, EntryKind


def post(
    tx: Transaction,
    entry_id: str,
    uid: str,
    entry: Entry,
    balances: Balances,
    *,
    now: datetime,
    details: dict[str, Any] | None = None,
) -> Balances:
    """Write the entry (once: its id derives from its cause); the balances after it. A released
    commission moves pending to available, any other entry only what its kind says."""
    wallet_repository.write_entry(tx, entry_id, uid, entry, now=now, details=details)
    return balances.release(entry.amount) if entry.kind is EntryKind.COMMISSION else balances.post(entry)


def entries_of(store: DocumentStore, uid: str) -> list[Entry]:
    return wallet_repository.entries_of(store, uid)
