"""What the payments area gives an export (the admin console's CSV): one plain row per payment
created in a time range, money in integer minor units with its currency beside it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shared.kernel.store import Document, DocumentStore
from shared.payments.adapters import payment_repository

PAYMENT_COLUMNS = (
    "paymentIntentId",
    "callSessionId",
    "clientId",
    "providerId",
    "serviceType",
    "amount",
    "currency",
    "platformFee",
    "providerAmount",
    "state",
    "createdAt",
    "capturedAt",
    "amountReceived",
    "refundedAmount",
)
"""The row's fields, in the order an export writes them."""


def payments_between(store: DocumentStore, start: datetime, end: datetime, *, limit: int) -> list[dict[str, Any]]:
    """The payments created in [start, end), oldest first, at most `limit` of them: amounts are
    integers (minor units), times timezone-aware UTC (None when the payment never got there)."""
    found = payment_repository.created_between(store, start, end, limit=limit)
    rows = [payment_row(payment_id, doc) for payment_id, doc in found]
    return sorted(rows, key=lambda row: (row["createdAt"] or datetime.min.replace(tzinfo=UTC), row["paymentIntentId"]))


def payment_row(payment_id: str, doc: Document) -> dict[str, Any]:
    return {
        "paymentIntentId": doc.get("paymentIntentId") or payment_id,
        "callSessionId": doc.get("callSessionId"),
        "clientId": doc.get("clientId"),
        "providerId": doc.get("providerId"),
        "serviceType": doc.get("serviceType"),
        "amount": _minor(doc.get("amount")),
        "currency": doc.get("currency"),
        "platformFee": _minor(doc.get("platformFee")),
        "providerAmount": _minor(doc.get("providerAmount")),
        "state": doc.get("state"),
        "createdAt": _utc(doc.get("createdAt")),
        "capturedAt": _utc(doc.get("capturedAt")),
        "amountReceived": _minor(doc.get("amountReceived")),
        "refundedAmount": _minor(doc.get("refundedAmount")) or 0,  # absent until a first refund
    }


def _minor(value: object) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _utc(value: object) -> datetime | None:
    return value.astimezone(UTC) if isinstance(value, datetime) else None
