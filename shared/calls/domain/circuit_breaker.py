"""Circuit breaker state for a provider API (Twilio REST): pure transitions over a snapshot."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

FAILURE_THRESHOLD = 3
OPEN_FOR = timedelta(seconds=60)


@dataclass(frozen=True)
class Breaker:
    consecutive_failures: int = 0
    open_until: datetime | None = None

    def allows(self, now: datetime) -> bool:
        """Closed, or half-open once the open period has passed (one trial call)."""
        return self.open_until is None or now >= self.open_until

    def record_success(self) -> Breaker:
        return Breaker()

    def record_failure(
        self, now: datetime, threshold: int = FAILURE_THRESHOLD, open_for: timedelta = OPEN_FOR
    ) -> Breaker:
        failures = self.consecutive_failures + 1
        if failures >= threshold:
            return replace(self, consecutive_failures=failures, open_until=now + open_for)
        return replace(self, consecutive_failures=failures)

    def to_document(self) -> dict[str, object]:
        return {"consecutiveFailures": self.consecutive_failures, "openUntil": self.open_until}

    @classmethod
    def from_document(cls, doc: dict[str, object] | None) -> Breaker:
        if not doc:
            return cls()
        failures = doc.get("consecutiveFailures", 0)
        open_until = doc.get("openUntil")
        return cls(
            consecutive_failures=failures if isinstance(failures, int) else 0,
            open_until=open_until if isinstance(open_until, datetime) else None,
        )
