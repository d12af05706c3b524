"""Sliding-window rate limiting over a list of past attempt times (epoch seconds)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RateLimit:
    max_requests: int
    window_seconds: int


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    recent: list[float]  # the attempts to keep, including this one when allowed
    retry_after_seconds: int


def decide(limit: RateLimit, past: list[float], now: float) -> RateDecision:
    recent = sorted(t for t in past if now - limit.window_seconds < t <= now)
    if len(recent) >= limit.max_requests:
        oldest = recent[-limit.max_requests]
        retry = max(1, int(oldest + limit.window_seconds - now + 0.999))
        return RateDecision(False, recent, retry)
    return RateDecision(True, [*recent, now], 0)
