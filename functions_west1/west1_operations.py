"""europe-west1 operations: the admin CSV exports (a Cloud Storage file behind a 15-minute link)
and the daily Firestore backup of the money collections. Imported by main.py once the codebase's
region is set."""

from __future__ import annotations

import logging
from datetime import UTC
from typing import Any

from firebase_functions import https_fn, options, scheduler_fn

from shared.entry import wiring
from shared.entry.callables import ADMIN_LABELS, run_admin_callable
from shared.kernel.commands import parse_command

logger = logging.getLogger("west1")
SMALL_CPU: Any = 0.08  # the smallest CPU Cloud Run takes (the SDK annotates `cpu` as int only)
EXPORT: dict[str, Any] = {
    "memory": options.MemoryOption.MB_256,
    "cpu": SMALL_CPU,
    "max_instances": 1,
    "timeout_sec": 120,
    "labels": ADMIN_LABELS,
}

BACKUP_COLLECTIONS = (
    "payments",
    "payment_requests",
    "call_sessions",
    "subscriptions",
    "withdrawals",
    "wallet_entries",
    "affiliate_commissions",
    "processed_events",
    "admin_action_logs",
    "settings",
    "settings_history",
)
"""What the daily backup exports (collection ids: each covers the collection wherever it sits).
Deployment configuration like a function's limits, so it lives here: no module of `shared/`
spells another area's collections (tests/unit/test_document_ownership.py)."""


@https_fn.on_call(**EXPORT)
def exportPayments(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """`{from, to}` (UTC days, both included, at most 92): `{path, url, expiresAt, rows}`, one CSV
    row per payment created in those days."""
    from shared.admin.adapters.storage_bucket import export_bucket
    from shared.admin.services.export_commands import DateRangeCommand
    from shared.admin.services.exports import export_payments

    return run_admin_callable(
        req,
        "exportPayments",
        lambda admin, data: export_payments(
            parse_command(DateRangeCommand, data), store=wiring.store(), bucket=export_bucket(), clock=wiring.clock()
        ),
    )


@https_fn.on_call(**EXPORT)
def exportCommissions(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """`{from, to}` (UTC days, both included, at most 92): `{path, url, expiresAt, rows}`, one CSV
    row per affiliate commission created in those days."""
    from shared.admin.adapters.storage_bucket import export_bucket
    from shared.admin.services.export_commands import DateRangeCommand
    from shared.admin.services.exports import export_commissions

    return run_admin_callable(
        req,
        "exportCommissions",
        lambda admin, data: export_commissions(
            parse_command(DateRangeCommand, data), store=wiring.store(), bucket=export_bucket(), clock=wiring.clock()
        ),
    )


@scheduler_fn.on_schedule(
    schedule="every day 03:00",
    timezone=options.Timezone("UTC"),
    memory=options.MemoryOption.MB_256,
    cpu=SMALL_CPU,
    max_instances=1,
    timeout_sec=540,
)
def scheduledFirestoreBackup(event: scheduler_fn.ScheduledEvent) -> None:
    """The money collections exported to `backups/<day>/`, folders past the retention deleted,
    the run reported in `backup_runs/{day}` (the day is the scheduled one, UTC)."""
    from shared.admin.adapters.firestore_export import backup_retention_days, firestore_exporter
    from shared.admin.services.backups import RETENTION_DAYS, run_backup

    report = run_backup(
        event.schedule_time.astimezone(UTC).date(),
        BACKUP_COLLECTIONS,
        exporter=firestore_exporter(),
        store=wiring.store(),
        clock=wiring.clock(),
        retention_days=backup_retention_days(RETENTION_DAYS),
    )
    logger.info("backup %s: %s, deleted %s", report["day"], report["status"], report["deletedFolders"])
