"""Withdrawals in Firestore: `withdrawals/{withdrawalId}` and `payout_accounts/{uid}` (which
withdrawal of an affiliate is open, read in the transaction that opens one, so two requests
at once cannot both open one); `payout_reconciliations/{day}`, the daily reconciliation's report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.kernel.store import Collection, Document, DocumentStore, Transaction
from shared.payouts.domain.withdrawal import Withdrawal

WITHDRAWALS = Collection("withdrawals")
ACCOUNTS = Collection("payout_accounts")
RECONCILIATIONS = "payout_reconciliations"

withdrawal_path = WITHDRAWALS.doc
account_path = ACCOUNTS.doc


def open_withdrawal_of(tx: Transaction, uid: str) -> str | None:
    doc = tx.get(account_path(uid)) or {}
    found = doc.get("openWithdrawalId")
    return str(found) if found else None


def read(reader: DocumentStore | Transaction, withdrawal_id: str) -> tuple[Withdrawal, Document] | None:
    doc = reader.get(withdrawal_path(withdrawal_id))
    return (Withdrawal.from_document(doc), doc) if doc is not None else None


def create(tx: Transaction, withdrawal: Withdrawal, *, role: str, now: datetime) -> None:
    tx.create(
        withdrawal_path(withdrawal.withdrawal_id),
        {**withdrawal.to_document(), "role": role, "requestedAt": now, "updatedAt": now},
    )
    tx.set(account_path(withdrawal.uid), {"openWithdrawalId": withdrawal.withdrawal_id, "updatedAt": now}, merge=True)


def update(tx: Transaction, withdrawal: Withdrawal, fields: dict[str, Any], *, now: datetime) -> None:
    tx.update(withdrawal_path(withdrawal.withdrawal_id), fields)
    if not withdrawal.open:
        tx.set(account_path(withdrawal.uid), {"openWithdrawalId": None, "updatedAt": now}, merge=True)


def with_status(store: DocumentStore, status: str | None, *, limit: int = 200) -> list[Document]:
    rows = store.find(WITHDRAWALS, [("status", "==", status)] if status else [], limit=limit)
    return sorted((doc for _, doc in rows), key=lambda d: d.get("requestedAt") or datetime.min)


def find_by_reference(store: DocumentStore, method: str, reference: str) -> str | None:
    """The withdrawal whose payout on `method` is `reference` (a Wise transfer id)."""
    rows = store.find(WITHDRAWALS, [("reference", "==", reference)], limit=5)
    return next((str(doc["withdrawalId"]) for _, doc in rows if doc.get("method") == method), None)


def save_reconciliation(store: DocumentStore, day: str, report: dict[str, Any]) -> None:
    store.set(f"{RECONCILIATIONS}/{day}", report)
