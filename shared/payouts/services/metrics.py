"""What the admin dashboard shows of withdrawals (computed by a cron): those waiting for an admin
(`pending`) and those sent to a rail and not settled yet (`processing`), in USD cents."""

from __future__ import annotations

from typing import Any

from shared.kernel.store import DocumentStore
from shared.payouts.adapters import withdrawal_repository


def withdrawal_figures(store: DocumentStore) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for status in ("pending", "processing"):
        rows = withdrawal_repository.with_status(store, status, limit=10_000)
        figures[status] = {"count": len(rows), "amountUsdCents": sum(int(doc["amount"]) for doc in rows)}
    return figures
