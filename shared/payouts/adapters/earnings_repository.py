"""Providers' earnings kept for PayPal payouts: `provider_balances/{uid}` (a balance per currency)
and `provider_balance_entries/{id}` (every movement, signed, its id from its cause, so a movement
is written once), read and written here only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.kernel.store import Collection, Document, DocumentStore, Transaction
from shared.payouts.domain.provider_earnings import EarningsBalance

BALANCES = Collection("provider_balances")
ENTRIES = Collection("provider_balance_entries")

balances_path = BALANCES.doc
entry_path = ENTRIES.doc


def read_balances(reader: DocumentStore | Transaction, uid: str) -> Document | None:
    return reader.get(balances_path(uid))


def read_entry(tx: Transaction, entry_id: str) -> Document | None:
    return tx.get(entry_path(entry_id))


def post(
    tx: Transaction,
    entry_id: str,
    uid: str,
    kind: str,
    amount: int,
    balance: EarningsBalance,
    *,
    exists: bool,
    now: datetime,
    details: dict[str, Any] | None = None,
) -> None:
    """Write the entry (a second one of the same id fails the transaction) and the balance."""
    tx.create(
        entry_path(entry_id),
        {"uid": uid, "currency": balance.currency, "kind": kind, "amount": amount, "at": now, **(details or {})},
    )
    fields = {**balance.to_fields(), "updatedAt": now}
    if exists:
        tx.update(balances_path(uid), fields)
    else:
        tx.set(
            balances_path(uid),
            {
                "uid": uid,
                "currencies": {balance.currency: balance.to_fields()[f"currencies.{balance.currency}"]},
                "updatedAt": now,
            },
        )


def note_taken_back(tx: Transaction, entry_id: str, total: int) -> None:
    tx.update(entry_path(entry_id), {"takenBack": total})


def entries_of(store: DocumentStore, uid: str) -> list[Document]:
    return [doc for _, doc in store.find(ENTRIES, [("uid", "==", uid)], limit=100_000)]


def holders(store: DocumentStore, *, limit: int = 10_000) -> list[str]:
    """The providers holding an earnings balance."""
    return [uid for uid, _ in store.find(BALANCES, [], limit=limit)]
