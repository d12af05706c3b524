"""What the affiliates area gives an export (the admin console's CSV): one plain row per
commission created in a time range. The wallet amount is in USD cents (`walletCurrency`); the
source amount is the commission in the captured payment's own currency and minor units."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shared.affiliates.adapters import commission_repository
from shared.kernel.store import Document, DocumentStore

COMMISSION_COLUMNS = (
    "commissionId",
    "beneficiaryId",
    "beneficiaryRole",
    "side",
    "level",
    "state",
    "walletAmount",
    "walletCurrency",
    "takenBack",
    "sourceAmount",
    "sourceCurrency",
    "callSessionId",
    "createdAt",
)
"""The row's fields, in the order an export writes them."""


def commissions_between(store: DocumentStore, start: datetime, end: datetime, *, limit: int) -> list[dict[str, Any]]:
    """The commissions created in [start, end), oldest first, at most `limit` of them."""
    rows = [commission_row(doc) for doc in commission_repository.created_between(store, start, end, limit=limit)]
    return sorted(rows, key=lambda row: (row["createdAt"] or datetime.min.replace(tzinfo=UTC), row["commissionId"]))


def commission_row(doc: Document) -> dict[str, Any]:
    source = doc.get("source") or {}
    created = doc.get("createdAt")
    return {
        "commissionId": str(doc.get("commissionId") or ""),
        "beneficiaryId": doc.get("beneficiaryId"),
        "beneficiaryRole": doc.get("beneficiaryRole"),
        "side": doc.get("side"),
        "level": doc.get("level"),
        "state": doc.get("state"),
        "walletAmount": _minor(doc.get("walletAmount")),
        "walletCurrency": doc.get("walletCurrency"),
        "takenBack": _minor(doc.get("takenBack")) or 0,
        "sourceAmount": _minor(doc.get("amount")),
        "sourceCurrency": doc.get("currency"),
        "callSessionId": source.get("callSessionId") if isinstance(source, dict) else None,
        "createdAt": created.astimezone(UTC) if isinstance(created, datetime) else None,
    }


def _minor(value: object) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
