"""The admin console's CSV exports (payments, commissions): the rows of a date range, as their
areas give them, written to the exports bucket; the admin gets a link valid for 15 minutes.
Money stays in integer minor units with its currency in its own column; times are ISO 8601 UTC."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from shared.admin.domain.audit import AdminOutcome
from shared.admin.ports.exports import ExportBucket, ExportStorageError
from shared.admin.services.export_commands import DateRangeCommand
from shared.affiliates.services.exports import COMMISSION_COLUMNS, commissions_between
from shared.kernel.clock import Clock
from shared.kernel.errors import FailedPrecondition, Unavailable
from shared.kernel.store import DocumentStore
from shared.payments.services.exports import PAYMENT_COLUMNS, payments_between

LINK_LIFETIME = timedelta(minutes=15)
MAX_EXPORT_ROWS = 20_000
"""More rows than this in one range: the admin is asked for a shorter one (one instance of
256 MiB builds the whole file in memory)."""
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"

Rows = Callable[..., list[dict[str, Any]]]


def export_payments(cmd: DateRangeCommand, *, store: DocumentStore, bucket: ExportBucket, clock: Clock) -> AdminOutcome:
    """One row per payment created from `from` to `to` (UTC days, both included)."""
    return _export("payment", PAYMENT_COLUMNS, payments_between, cmd, store=store, bucket=bucket, clock=clock)


def export_commissions(
    cmd: DateRangeCommand, *, store: DocumentStore, bucket: ExportBucket, clock: Clock
) -> AdminOutcome:
    """One row per affiliate commission created from `from` to `to` (UTC days, both included)."""
    return _export("commission", COMMISSION_COLUMNS, commissions_between, cmd, store=store, bucket=bucket, clock=clock)


def _export(
    kind: str,
    columns: Sequence[str],
    rows_between: Rows,
    cmd: DateRangeCommand,
    *,
    store: DocumentStore,
    bucket: ExportBucket,
    clock: Clock,
) -> AdminOutcome:
    start, end = cmd.window()
    rows = rows_between(store, start, end, limit=MAX_EXPORT_ROWS + 1)
    if len(rows) > MAX_EXPORT_ROWS:
        raise FailedPrecondition(f"more than {MAX_EXPORT_ROWS} {kind} rows in this range: export a shorter one")
    now = clock.now()
    path = export_path(kind, cmd, now)
    try:
        bucket.upload(path, to_csv(columns, rows), CSV_CONTENT_TYPE)
        url = bucket.link(path, LINK_LIFETIME)
    except ExportStorageError as exc:
        raise Unavailable("the export could not be stored; retry later") from exc
    span = {"from": cmd.start.isoformat(), "to": cmd.end.isoformat()}
    answer = {"path": path, "url": url, "expiresAt": (now + LINK_LIFETIME).isoformat(), "rows": len(rows)}
    return AdminOutcome(answer=answer, target=path, details={**span, "rows": len(rows)})


def export_path(kind: str, cmd: DateRangeCommand, now: datetime) -> str:
    """`exports/<kind>/<from>_<to>/<made at, UTC>.csv` (kind `payment` or `commission`): a new file
    for every export."""
    return f"exports/{kind}/{cmd.start.isoformat()}_{cmd.end.isoformat()}/{now.strftime('%Y%m%dT%H%M%S%fZ')}.csv"


def to_csv(columns: Sequence[str], rows: list[dict[str, Any]]) -> bytes:
    """The header, then one line per row: integers as written, times in ISO 8601, None empty."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: _cell(row.get(name)) for name in columns})
    return out.getvalue().encode("utf-8")


def _cell(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    return "" if value is None else value
