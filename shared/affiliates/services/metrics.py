"""What the admin dashboard shows of commissions (computed by a cron): how many are pending (on
hold) and available, and what they still owe, in USD cents."""

from __future__ import annotations

from typing import Any

from shared.affiliates.adapters import commission_repository
from shared.kernel.store import DocumentStore

LIMIT = 100_000


def commission_figures(store: DocumentStore) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for state in ("pending", "available"):
        rows = commission_repository.in_state(store, state, limit=LIMIT)
        owed = sum(int(doc["walletAmount"]) - int(doc.get("takenBack") or 0) for doc in rows)
        figures[state] = {"count": len(rows), "amountUsdCents": owed, "truncated": len(rows) >= LIMIT}
    return figures
