"""Clock port: the only source of 'now' for services, and the only way they wait."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from datetime import UTC, datetime, timedelta


class Clock(ABC):
    @abstractmethod
    def now(self) -> datetime:
        """Current time, timezone-aware UTC."""

    @abstractmethod
    def sleep(self, seconds: float) -> None:
        """Wait (a fake clock just advances)."""


class SystemClock(Clock):
    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class ScheduledRunClock(Clock):
    """Time as of a scheduled run: the schedule time Cloud Scheduler states, moving forward
    with real time. A late or retried run decides exactly as the run at its scheduled time."""

    def __init__(self, schedule_time: datetime) -> None:
        self._start = schedule_time.astimezone(UTC)
        self._started = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._started)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)
