"""`make cron NAME=...`: fire a scheduled function of the running local stack by hand.

The Functions emulator never fires schedules itself; this posts to the trigger URL as Cloud
Scheduler would, then prints what the run wrote (recovery report, metrics, health).
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from devtools import ports
from devtools.manifest import build_manifest

OUTPUTS = {
    "stuckPaymentsRecovery": ("payment_recovery_reports", None),
    "collectDailyPaymentMetrics": ("metrics_daily", None),
    "runPaymentHealthCheck": ("payment_health", "latest"),
    "suspendOverdueSubscriptions": ("subscriptions", None),
    "completeCallCosts": ("call_sessions", None),
    "validatePendingCommissions": ("affiliate_commissions", None),
    "computeAffiliateLeaderboard": ("affiliate_leaderboards", None),
    "reconcilePayoutsDaily": ("payout_reconciliations", None),
    "collectAdminMetrics": ("admin_metrics", "latest"),
    "scheduledFirestoreBackup": ("backup_runs", None),
}


def scheduled_functions() -> dict[str, str]:
    return {f["name"]: f["region"] for f in build_manifest()["functions"] if f["trigger"] == "schedule"}


def fire(name: str, region: str, when: datetime) -> int:
    url = f"http://{ports.HOST}:{ports.FUNCTIONS_PORT}/functions/projects/{ports.PROJECT_ID}/triggers/{region}-{name}-0"
    response = requests.post(
        url, json={}, headers={"X-CloudScheduler-ScheduleTime": when.isoformat().replace("+00:00", "Z")}, timeout=300
    )
    return response.status_code


def latest_output(name: str) -> dict[str, Any] | None:
    from firebase_admin import firestore

    from devtools.seed import admin_app

    collection, doc_id = OUTPUTS[name]
    db = firestore.client(admin_app())
    if doc_id is not None:
        found: dict[str, Any] | None = db.document(f"{collection}/{doc_id}").get().to_dict()
        return found
    docs = list(db.collection(collection).order_by("__name__", direction="DESCENDING").limit(1).stream())
    latest: dict[str, Any] | None = docs[0].to_dict() if docs else None
    return latest


def stripe_now() -> datetime:
    """The local Stripe clock (moved by `POST /_test/clock/advance`)."""
    response = requests.get(
        f"http://{ports.HOST}:{ports.LOCALSTRIPE_PORT}/_test/clock", auth=(ports.STRIPE_SECRET_KEY, ""), timeout=10
    )
    response.raise_for_status()
    return datetime.fromtimestamp(response.json()["now"], UTC)


def schedule_time(at: str) -> datetime:
    """`AT=` empty: now; `AT=stripe`: the local Stripe clock's now; else an ISO-8601 instant."""
    if not at:
        return datetime.now(UTC) + timedelta(seconds=1)
    if at == "stripe":
        return stripe_now()
    when = datetime.fromisoformat(at.replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def main(argv: list[str]) -> int:
    functions = scheduled_functions()
    if len(argv) not in (1, 2) or argv[0] not in functions:
        print(f"usage: make cron NAME=<{'|'.join(sorted(functions))}> [AT=stripe|<ISO time>]", file=sys.stderr)
        return 2
    name = argv[0]
    status = fire(name, functions[name], schedule_time(argv[1] if len(argv) == 2 else ""))
    print(f"{name}: HTTP {status}")
    print(json.dumps(latest_output(name), indent=2, default=str))
    return 0 if status < 300 else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
