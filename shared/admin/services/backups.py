"""The daily Firestore backup: the money collections exported into `backups/<YYYY-MM-DD>/`, then
the folders older than the retention period deleted, and `backup_runs/{day}` telling what
happened. Old folders are deleted only once the day's export was accepted (in production Firestore
then carries it out as a long-running operation, named in the report), so a refused export never
costs an old backup; a failed run is recorded, then raised (the scheduler's retry)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from shared.admin.adapters import backup_repository
from shared.admin.ports.exports import BackupError, FirestoreExporter
from shared.kernel.clock import Clock
from shared.kernel.store import DocumentStore

log = logging.getLogger(__name__)

BACKUPS_PREFIX = "backups"
RETENTION_DAYS = 30


def backup_folder(day: date) -> str:
    return f"{BACKUPS_PREFIX}/{day.isoformat()}"


def expired_folders(names: Sequence[str], day: date, retention_days: int) -> list[str]:
    """The dated folders (`YYYY-MM-DD`) older than `retention_days` before `day`; a folder with any
    other name is never touched."""
    oldest_kept = day - timedelta(days=retention_days)
    expired = []
    for name in names:
        try:
            folder_day = date.fromisoformat(name)
        except ValueError:
            continue
        if len(name) == 10 and folder_day < oldest_kept:
            expired.append(name)
    return sorted(expired)


def run_backup(
    day: date,
    collections: Sequence[str],
    *,
    exporter: FirestoreExporter,
    store: DocumentStore,
    clock: Clock,
    retention_days: int = RETENTION_DAYS,
) -> dict[str, Any]:
    """Back up `collections` as of `day` (the scheduled day, UTC); returns the report written."""
    if not collections:
        raise ValueError("a backup names the collections it exports")
    prefix = backup_folder(day)
    # Scheduler deliveries are at least once: a second run of the day keeps what the first deleted.
    earlier = backup_repository.run_of(store, day) or {}
    deleted_before = [str(name) for name in earlier.get("deletedFolders") or []]
    report: dict[str, Any] = {
        "day": day.isoformat(),
        "collections": list(collections),
        "output": exporter.output_uri(prefix),
        "retentionDays": retention_days,
        "startedAt": clock.now(),
        "deletedFolders": deleted_before,
        "runs": int(earlier.get("runs") or 0) + 1,
    }
    try:
        report["operation"] = exporter.export(list(collections), prefix)
    except BackupError as exc:
        backup_repository.record(store, day, {**report, "status": "failed", "error": str(exc)[:500]})
        raise
    deleted, errors = _prune(exporter, day, retention_days)
    report["deletedFolders"] = sorted({*deleted_before, *deleted})
    status = "ok" if not errors else "exported_prune_failed"
    report.update({"status": status, "finishedAt": clock.now(), **({"pruneErrors": errors} if errors else {})})
    backup_repository.record(store, day, report)
    log.info("firestore backup", extra={"json_fields": {"day": report["day"], "status": status}})
    return report


def _prune(exporter: FirestoreExporter, day: date, retention_days: int) -> tuple[list[str], list[str]]:
    deleted: list[str] = []
    errors: list[str] = []
    try:
        expired = expired_folders(exporter.folders(BACKUPS_PREFIX), day, retention_days)
    except BackupError as exc:
        return deleted, [str(exc)[:300]]
    for name in expired:
        try:
            exporter.delete_folder(backup_folder(date.fromisoformat(name)))
        except BackupError as exc:
            errors.append(str(exc)[:300])
            continue
        deleted.append(name)
    return deleted, errors
