"""Tracking-link documents: `affiliate_clicks/{code}_{day}_{visitor}` (one per visitor, code and
day; created once) and `affiliate_click_limits/{addressKey}` (recent click times of one address)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.kernel.store import Collection, Document, DocumentStore, Transaction

CLICKS = Collection("affiliate_clicks")
LIMITS = Collection("affiliate_click_limits")

click_path = CLICKS.doc
limit_path = LIMITS.doc


def recent_clicks(tx: Transaction, address_key: str) -> list[float]:
    doc = tx.get(limit_path(address_key)) or {}
    return [float(t) for t in doc.get("recent") or []]


def keep_recent(tx: Transaction, address_key: str, recent: list[float], now: datetime) -> None:
    tx.set(limit_path(address_key), {"recent": recent, "updatedAt": now})


def click_exists(tx: Transaction, click_id: str) -> bool:
    return tx.get(click_path(click_id)) is not None


def record_click(tx: Transaction, click_id: str, data: dict[str, Any]) -> None:
    tx.create(click_path(click_id), data)


def clicks_of(store: DocumentStore, uid: str, *, limit: int = 10_000) -> list[Document]:
    return [doc for _, doc in store.find(CLICKS, [("affiliateId", "==", uid)], limit=limit)]
