"""What the admin dashboard shows of subscriptions (computed by a cron, never on a request): live
subscriptions by plan and currency, how many are past due or on a trial, and the monthly
recurring revenue per currency (yearly plans count a twelfth, trials nothing)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from shared.kernel.store import DocumentStore
from shared.subscriptions.adapters import subscription_repository


def subscription_figures(store: DocumentStore) -> dict[str, Any]:
    live = subscription_repository.with_status(store, ["active", "trialing", "past_due"], limit=50_000)
    by_plan: dict[str, Counter[str]] = {}
    mrr: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    for subscription in live:
        doc = subscription.stored or {}
        status, currency = str(doc.get("status")), str(doc.get("currency") or "").lower() or "none"
        statuses[status] += 1
        by_plan.setdefault(str(doc.get("planId") or "trial"), Counter())[currency] += 1
        amount = doc.get("amount")
        if status != "trialing" and isinstance(amount, int):
            mrr[currency] += amount // 12 if doc.get("billingPeriod") == "yearly" else amount
    return {
        "live": sum(statuses.values()),
        "active": statuses["active"],
        "trialing": statuses["trialing"],
        "pastDue": statuses["past_due"],
        "byPlan": {plan: dict(currencies) for plan, currencies in sorted(by_plan.items())},
        "mrr": dict(sorted(mrr.items())),
        "truncated": len(live) >= 50_000,
    }


def subscription_of(store: DocumentStore, provider_id: str) -> dict[str, Any] | None:
    """A provider's subscription document as the admin console shows it (None: never subscribed)."""
    return subscription_repository.load(store, provider_id).stored
