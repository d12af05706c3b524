"""Rules of the call sequence: retries with backoff, billing by connected time, earnings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from shared.kernel.money import Money

MAX_ATTEMPTS_PER_PARTY = 3
BACKOFF_BASE_SECONDS = 15
BACKOFF_CAP_SECONDS = 120
MIN_BILLABLE_SECONDS = 60


def backoff_seconds(attempt: int, base: int = BACKOFF_BASE_SECONDS, cap: int = BACKOFF_CAP_SECONDS) -> int:
    """Delay before `attempt` (1-based): 0 for the first, then base, 2*base, 4*base... capped."""
    if attempt < 1:
        raise ValueError("attempts are numbered from 1")
    if attempt == 1:
        return 0
    return int(min(cap, base * 2 ** (attempt - 2)))


def has_attempt_left(attempt: int, max_attempts: int = MAX_ATTEMPTS_PER_PARTY) -> bool:
    return attempt < max_attempts


class Settlement(StrEnum):
    CAPTURE = "capture"
    RELEASE = "release"


@dataclass(frozen=True)
class CallOutcome:
    connected_seconds: int
    settlement: Settlement


def connected_seconds(both_joined_at: datetime, ended_at: datetime) -> int:
    """Seconds both parties shared the conference, from Twilio's own timestamps."""
    return max(0, int((ended_at - both_joined_at).total_seconds()))


def settle_call(seconds: int, min_billable_seconds: int = MIN_BILLABLE_SECONDS) -> CallOutcome:
    settlement = Settlement.CAPTURE if seconds >= min_billable_seconds else Settlement.RELEASE
    return CallOutcome(seconds, settlement)


def provider_earnings(price: Money, platform_fee: Money) -> Money:
    earnings = price - platform_fee
    if earnings.minor < 0:
        raise ValueError("platform fee exceeds the price")
    return earnings
