"""getAdminDashboard (admins): today and the last 30 days, read from the daily metrics documents
the crons keep (`collectDailyPaymentMetrics` refreshes today's and yesterday's every hour), never
from a scan of payments or sessions: sessions by outcome, payments by state, captured volume and
platform fees by currency, refunded volume, failed sessions by reason; and from the last payment health check
(`runPaymentHealthCheck`, every 30 minutes): holds at risk (near `captureBefore`), lapsed and
orphan holds, failed settlements; and from `admin_metrics/latest` (`collectAdminMetrics`, hourly):
subscriptions (live by plan and currency, past due, MRR), commissions pending and available,
withdrawals waiting."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from shared.admin.services.metrics import latest_admin_metrics
from shared.calls.services.payment_health import latest_health
from shared.calls.services.payment_metrics import daily_metrics
from shared.kernel.store import DocumentStore

WINDOW_DAYS = 30


def _add(total: dict[str, Any], doc: dict[str, Any]) -> None:
    sessions = doc.get("sessions") or {}
    for key in ("count", "completed", "failed", "cancelled"):
        total["sessions"][key] += int(sessions.get(key) or 0)
    total["sessions"]["failedByReason"].update(sessions.get("failedByReason") or {})
    total["payments"]["count"] += int((doc.get("payments") or {}).get("count") or 0)
    total["payments"]["byState"].update((doc.get("payments") or {}).get("byState") or {})
    for currency, figures in (doc.get("currencies") or {}).items():
        money = total["captured"].setdefault(currency, Counter())
        money.update({k: int(v) for k, v in figures.items()})


def _summary(docs: list[dict[str, Any]]) -> dict[str, Any]:
    total: dict[str, Any] = {
        "sessions": {"count": 0, "completed": 0, "failed": 0, "cancelled": 0, "failedByReason": Counter()},
        "payments": {"count": 0, "byState": Counter()},
        "captured": {},
    }
    for doc in docs:
        _add(total, doc)
    total["sessions"]["failedByReason"] = dict(total["sessions"]["failedByReason"])
    total["payments"]["byState"] = {k: v for k, v in total["payments"]["byState"].items() if v}
    total["captured"] = {currency: dict(figures) for currency, figures in sorted(total["captured"].items())}
    total["days"] = [doc["day"] for doc in docs]
    return total


def admin_dashboard(store: DocumentStore, *, today: date) -> dict[str, Any]:
    docs = daily_metrics(store, today - timedelta(days=WINDOW_DAYS - 1), today)
    today_docs = [doc for doc in docs if doc["day"] == today.isoformat()]
    health = latest_health(store) or {}
    state = latest_admin_metrics(store) or {}

    def count(key: str) -> int | None:
        listing = health.get(key)
        return int(listing["count"]) if isinstance(listing, dict) and "count" in listing else None

    return {
        "today": {**_summary(today_docs), "computedAt": today_docs[0].get("computedAt") if today_docs else None},
        "last30Days": _summary(docs),
        "holds": {
            "atRisk": count("expiringHolds"),
            "expired": count("expiredHolds"),
            "orphan": count("orphanHolds"),
            "checkedAt": health.get("checkedAt"),
        },
        "failedSettlements": count("failedSettlements"),
        "subscriptions": state.get("subscriptions"),
        "commissions": state.get("commissions"),
        "withdrawals": state.get("withdrawals"),
        "stateComputedAt": state.get("computedAt"),
    }
