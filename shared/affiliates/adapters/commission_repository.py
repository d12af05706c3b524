"""The commissions' documents: `affiliate_commissions/{id}` (one per capture, side and level;
the id says which) and `affiliate_referrals/{uid}` (who brought a client or a provider, first
touch, with the chain above them as it was then)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.kernel.store import Collection, Document, DocumentStore, Transaction

COMMISSIONS = Collection("affiliate_commissions")
REFERRALS = Collection("affiliate_referrals")
SIDES_AND_LEVELS = (("client", 1), ("client", 2), ("client", 3), ("provider", 1), ("provider", 2), ("provider", 3))


def commission_id(call_session_id: str, side: str, level: int) -> str:
    return f"call_{call_session_id}_{side}_{level}"


commission_path = COMMISSIONS.doc
referral_path = REFERRALS.doc


def read_referral(tx: Transaction, uid: object) -> Document | None:
    return tx.get(referral_path(uid)) if isinstance(uid, str) and uid else None


def call_commissions(tx: Transaction, call_session_id: str) -> dict[str, Document]:
    """The commissions one call earned, by id (at most one per side and level)."""
    found = {}
    for side, level in SIDES_AND_LEVELS:
        cid = commission_id(call_session_id, side, level)
        doc = tx.get(commission_path(cid))
        if doc is not None:
            found[cid] = doc
    return found


def due_for_release(store: DocumentStore, as_of: datetime, *, limit: int) -> list[str]:
    """Pending commissions whose hold period ended at `as_of`."""
    rows = store.find(COMMISSIONS, [("state", "==", "pending"), ("availableAt", "<=", as_of)], limit=limit)
    return [cid for cid, _ in rows]


def created_between(store: DocumentStore, start: datetime, end: datetime, *, limit: int = 100_000) -> list[Document]:
    """The commissions created in [start, end)."""
    rows = store.find(COMMISSIONS, [("createdAt", ">=", start), ("createdAt", "<", end)], limit=limit)
    return [doc for _, doc in rows]


def pending_of(store: DocumentStore, uid: str, *, limit: int = 10_000) -> list[Document]:
    return [
        doc
        for _, doc in store.find(COMMISSIONS, [("beneficiaryId", "==", uid), ("state", "==", "pending")], limit=limit)
    ]


def available_of(store: DocumentStore, uid: str, *, limit: int = 10_000) -> list[Document]:
    """The affiliate's available commissions, released first first."""
    filters: list[Any] = [("beneficiaryId", "==", uid), ("state", "==", "available")]
    rows = [doc for _, doc in store.find(COMMISSIONS, filters, limit=limit)]
    return sorted(rows, key=lambda d: (d.get("releasedAt") or datetime.min, str(d.get("commissionId"))))


def recent_of(store: DocumentStore, uid: str, *, limit: int) -> list[Document]:
    """The affiliate's commissions, newest first."""
    rows = [doc for _, doc in store.find(COMMISSIONS, [("beneficiaryId", "==", uid)], limit=max(limit, 1000))]
    rows.sort(key=lambda doc: doc.get("createdAt") or datetime.min, reverse=True)
    return rows[:limit]


def referrals_by(store: DocumentStore, uid: str) -> list[Document]:
    return [doc for _, doc in store.find(REFERRALS, [("chainIds", "array_contains", uid)], limit=10_000)]


def write_referral(tx: Transaction, uid: str, data: dict[str, Any]) -> None:
    tx.create(referral_path(uid), data)


def in_state(store: DocumentStore, state: str, *, limit: int) -> list[Document]:
    return [doc for _, doc in store.find(COMMISSIONS, [("state", "==", state)], limit=limit)]
