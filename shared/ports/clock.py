"""Clock port: the only source of 'now' for services, and the only way they wait."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from datetime import UTC, datetime


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
