"""Sliding-window rate limiting over a list of past attempt times (epoch seconds)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RateDecision:
    """Whether this attempt may go on, the attempts to store, and when to retry if not."""

    allowed: bool
    recent: list[float]  # the attempts to keep, including this one when allowed
    retry_after_seconds: int


@dataclass(frozen=True)
class RateLimit:
    """At most `max_requests` attempts in any `window_seconds`."""

    max_requests: int
    window_seconds: int

    def decide(self, past: list[float], now: float) -> RateDecision:
        recent = sorted(t for t in past if now - self.window_seconds < t <= now)
        if len(recent) >= self.max_requests:
            oldest = recent[-self.max_requests]
            retry = max(1, int(oldest + self.window_seconds - now + 0.999))
            return RateDecision(False, recent, retry)
        return RateDecision(True, [*recent, now], 0)
