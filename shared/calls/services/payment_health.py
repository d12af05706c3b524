"""Payment health check: how many holds and sessions need the recovery job or a human, in
`payment_health/latest`.

Status: `critical` when a hold's authorization has already lapsed (`captureBefore` past) while
neither the payment nor its session was captured or released - the money can no longer be
captured; `warning` when anything else is listed; `ok` otherwise. Ids are PaymentIntent ids for
holds and session ids for sessions. The result only holds JSON types (ISO strings for times).
"""

from __future__ import annotations

import logging
from typing import Any

from shared.calls.services import payment_anomalies as anomalies
from shared.kernel.clock import Clock
from shared.kernel.store import DocumentStore

log = logging.getLogger(__name__)

HEALTH_PATH = "payment_health/latest"


def _listing(ids: list[str]) -> dict[str, Any]:
    return {"count": len(ids), "ids": sorted(ids)}


def run_payment_health_check(*, store: DocumentStore, clock: Clock) -> dict[str, Any]:
    """Count the stuck holds and sessions, write `payment_health/latest` and return it."""
    now = clock.now()
    settings = anomalies.load_recovery_settings(store)
    expiring = anomalies.expiring_holds(store, now, settings)
    lapsed = [hold.payment_id for hold in expiring if hold.capture_before <= now]
    findings = {
        "orphanHolds": _listing([payment_id for payment_id, _ in anomalies.orphan_holds(store, now, settings)]),
        "expiringHolds": _listing([hold.payment_id for hold in expiring if hold.capture_before > now]),
        "expiredHolds": _listing(lapsed),
        "failedSettlements": _listing(
            [call_session_id for call_session_id, _ in anomalies.unsettled_sessions(store, ["failed"])]
        ),
        "stuckSessions": _listing(
            [call_session_id for call_session_id, _ in anomalies.stuck_sessions(store, now, settings)]
        ),
    }
    if lapsed:
        status = "critical"
    elif any(finding["count"] for finding in findings.values()):
        status = "warning"
    else:
        status = "ok"
    health: dict[str, Any] = {
        "status": status,
        "checkedAt": now.isoformat(),
        **findings,
        "thresholds": settings.to_document(),
    }
    store.set(HEALTH_PATH, health)
    if status != "ok":
        counts = {name: finding["count"] for name, finding in findings.items()}
        log.warning("payment health %s", status, extra={"json_fields": counts})
    return health


def latest_health(store: DocumentStore) -> dict[str, Any] | None:
    """The last health check's figures (the runPaymentHealthCheck cron keeps them)."""
    return store.get(HEALTH_PATH)
