"""Dunning: the grace a past-due subscription keeps its AI access for, and the reminders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

DUNNING_GRACE = timedelta(days=7)
# Reminder mails while past due, by days since the failed payment (the first is sent at once).
DUNNING_REMINDER_DAYS = (3, 6)


def dunning_expired(past_due_since: datetime | None, now: datetime) -> bool:
    return past_due_since is not None and now - past_due_since >= DUNNING_GRACE


def dunning_reminder_due(past_due_since: datetime | None, now: datetime) -> int | None:
    """The latest reminder stage (days past due) reached and not superseded by suspension.

    A run that missed a stage sends only the latest one: two reminders the same day say nothing new.
    """
    if past_due_since is None or dunning_expired(past_due_since, now):
        return None
    reached = [day for day in DUNNING_REMINDER_DAYS if now - past_due_since >= timedelta(days=day)]
    return reached[-1] if reached else None


@dataclass(frozen=True)
class DunningStep:
    """What the daily dunning run owes a past-due subscription: its suspension (the grace is
    over) or the reminder of `stage` days past due, `days_left` before the suspension."""

    past_due_since: datetime
    suspend: bool
    stage: int = 0
    days_left: int = 0
