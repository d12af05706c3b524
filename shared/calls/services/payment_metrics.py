"""Daily payment metrics: what the holds created one UTC day became, in `metrics_daily/{day}`.

Amounts are integer minor units per currency, never mixed across currencies. The payments are
those created that day; their sessions are read one by one (`call_sessions/{callSessionId}`).
Running it again for the same day overwrites the document with the same figures.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from shared.calls.adapters import session_repository
from shared.kernel.clock import Clock
from shared.kernel.store import Document, DocumentStore
from shared.payments.domain.payment import PaymentState
from shared.payments.services import payment_records

METRICS = "metrics_daily"
METRICS_SCAN_LIMIT = 20_000
"""Payments read for one day; `truncated` says when a day had more."""


def collect_daily_payment_metrics(day: date, *, store: DocumentStore, clock: Clock) -> dict[str, Any]:
    """Aggregate the payments created on `day` (UTC), write `metrics_daily/{YYYY-MM-DD}` and
    return the same document."""
    start = datetime.combine(day, time.min, tzinfo=UTC)
    payments = payment_records.created_between(store, start, start + timedelta(days=1), limit=METRICS_SCAN_LIMIT)
    docs = [doc for _, doc in payments]
    metrics: dict[str, Any] = {
        "day": day.isoformat(),
        "computedAt": clock.now().isoformat(),
        "payments": _payment_counts(docs),
        "currencies": _currency_totals(docs),
        **_session_figures(store, docs),
        "truncated": len(payments) >= METRICS_SCAN_LIMIT,
    }
    store.set(f"{METRICS}/{day.isoformat()}", metrics)
    return metrics


def _payment_counts(payments: list[Document]) -> dict[str, Any]:
    by_state: dict[str, int] = {state.value: 0 for state in PaymentState}
    by_state.update(Counter(_state(doc.get("state")) for doc in payments))
    return {"count": len(payments), "byState": by_state}


def _state(raw: object) -> str:
    try:
        return PaymentState(str(raw)).value  # a document from before one vocabulary counts as released
    except ValueError:
        return str(raw)


def captured_amount(payment: Document) -> int:
    """Minor units Stripe received for a captured payment (the full hold unless told otherwise)."""
    received = payment.get("amountReceived")
    return int(received) if isinstance(received, int) else int(payment["amount"])


def _currency_totals(payments: list[Document]) -> dict[str, dict[str, int]]:
    totals: dict[str, dict[str, int]] = {}
    for doc in payments:
        refunded = int(doc.get("refundedAmount") or 0)
        if doc.get("state") != PaymentState.CAPTURED.value and not refunded:
            continue
        currency = str(doc["currency"]).lower()
        entry = totals.setdefault(
            currency, {"capturedCount": 0, "capturedAmount": 0, "platformFees": 0, "refundedAmount": 0}
        )
        if doc.get("state") == PaymentState.CAPTURED.value:
            entry["capturedCount"] += 1
            entry["capturedAmount"] += captured_amount(doc)
            entry["platformFees"] += int(doc.get("platformFee") or 0)
        entry["refundedAmount"] += refunded
    return totals


def _session_figures(store: DocumentStore, payments: list[Document]) -> dict[str, Any]:
    session_ids = sorted({str(doc["callSessionId"]) for doc in payments if doc.get("callSessionId")})
    statuses: Counter[str] = Counter()
    failed_by_reason: Counter[str] = Counter()
    billable_seconds: list[int] = []
    for call_session_id in session_ids:
        session = store.get(session_repository.session_path(call_session_id))
        if session is None:
            continue
        status = str(session.get("status"))
        statuses[status] += 1
        if status == "failed":
            failed_by_reason[str(session.get("failureReason") or "unknown")] += 1
        seconds = session.get("connectedSeconds")
        if session.get("billable") is True and isinstance(seconds, int):
            billable_seconds.append(seconds)
    average = round(sum(billable_seconds) / len(billable_seconds), 1) if billable_seconds else None
    return {
        "sessions": {
            "count": sum(statuses.values()),
            "completed": statuses["completed"],
            "failed": statuses["failed"],
            "cancelled": statuses["cancelled"],
            "failedByReason": dict(sorted(failed_by_reason.items())),
        },
        "billableCalls": {"count": len(billable_seconds), "averageConnectedSeconds": average},
    }


def daily_metrics(store: DocumentStore, first: date, last: date) -> list[Document]:
    """The metrics documents of the days from `first` to `last`, oldest first."""
    rows = store.find(METRICS, [("day", ">=", first.isoformat()), ("day", "<=", last.isoformat())], limit=400)
    return sorted((doc for _, doc in rows), key=lambda doc: str(doc["day"]))
