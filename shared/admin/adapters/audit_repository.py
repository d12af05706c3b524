"""`admin_action_logs/{id}`: one row per admin action, written here only (admins read them)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from shared.kernel.store import DocumentStore, Transaction

ADMIN_ACTION_LOGS = "admin_action_logs"


def new_log_path(now: datetime) -> str:
    """Ids sort by time: `20261206T104500123456_<random>`."""
    return f"{ADMIN_ACTION_LOGS}/{now.strftime('%Y%m%dT%H%M%S%f')}_{uuid.uuid4().hex[:8]}"


def record(writer: DocumentStore | Transaction, entry: dict[str, Any], now: datetime) -> str:
    path = new_log_path(now)
    writer.set(path, entry)
    return path.rsplit("/", 1)[1]


def recent(store: DocumentStore, *, action: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    filters = [("action", "==", action)] if action else []
    rows = store.find(ADMIN_ACTION_LOGS, filters, limit=limit)
    return [{"id": doc_id, **doc} for doc_id, doc in rows]
