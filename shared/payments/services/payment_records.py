"""What other areas may know of a payment: its record, and its audit trail for the settlements they carry out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.kernel.store import Document, DocumentStore, Transaction
from shared.payments.adapters import payment_repository


def audit(tx: Transaction, payment_intent_id: str, cause: str, entry: dict[str, Any]) -> None:
    """Write the audit entry of `cause` (once: a second one for the same cause fails the transaction)."""
    tx.create(payment_repository.audit_path(payment_intent_id, cause), {"paymentIntentId": payment_intent_id, **entry})


def payment(store: DocumentStore, payment_intent_id: str) -> Document | None:
    """The payment of a hold as last recorded (None when it is not ours)."""
    return store.get(payment_repository.payment_path(payment_intent_id))


def created_between(store: DocumentStore, start: datetime, end: datetime, *, limit: int) -> list[tuple[str, Document]]:
    """The payments created in [start, end)."""
    return payment_repository.created_between(store, start, end, limit=limit)


def audit_trail(store: DocumentStore, payment_intent_id: str) -> list[Document]:
    """Every recorded change of a payment (hold, authorisation, capture, release, refunds)."""
    return payment_repository.audit_trail(store, payment_intent_id)


def payments_of(store: DocumentStore, client_id: str, *, limit: int = 10) -> list[Document]:
    """A client's latest payments: id, state, amount and currency, when."""
    rows = sorted(
        payment_repository.of_client(store, client_id), key=lambda row: str(row[1].get("createdAt") or ""), reverse=True
    )
    keep = ("state", "amount", "currency", "callSessionId", "createdAt")
    return [{"paymentIntentId": pid, **{k: doc.get(k) for k in keep}} for pid, doc in rows[:limit]]
