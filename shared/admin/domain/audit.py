"""What an admin did, as `admin_action_logs` keeps it: who, which action, on what, the state
before and after, when, and how it ended (`ok`, or the error code the admin got)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class AdminOutcome:
    """A service's answer to an admin, with what the log keeps of the change (if any)."""

    answer: dict[str, Any]
    target: str | None = None  # what was acted on ("settings/pricing", "user:{uid}")
    before: Any = None
    after: Any = None
    details: dict[str, Any] = field(default_factory=dict)


def log_entry(
    action: str, admin_uid: str, outcome: AdminOutcome | None, *, error: str | None, now: datetime
) -> dict[str, Any]:
    return {
        "action": action,
        "adminId": admin_uid,
        "target": outcome.target if outcome else None,
        "before": outcome.before if outcome else None,
        "after": outcome.after if outcome else None,
        "details": outcome.details if outcome else {},
        "outcome": "ok" if error is None else error,
        "at": now,
    }
