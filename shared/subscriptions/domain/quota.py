"""The AI assistant's quota: calls counted per billing period against the plan's limit."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class QuotaRefusal(StrEnum):
    NO_SUBSCRIPTION = "no_subscription"
    NO_ACCESS = "no_access"
    QUOTA_EXHAUSTED = "quota_exhausted"


@dataclass(frozen=True)
class QuotaDecision:
    allowed: bool
    used: int
    limit: int
    reason: QuotaRefusal | None = None

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    def as_response(self) -> dict[str, Any]:
        return {
            "allowed": self.allowed,
            "used": self.used,
            "limit": self.limit,
            "remaining": self.remaining,
            "reason": self.reason.value if self.reason else None,
        }


def calls_used(subscription: dict[str, Any]) -> int:
    """Calls counted in the current billing period; a counter from an earlier period is 0."""
    if subscription.get("usagePeriodStart") != subscription.get("currentPeriodStart"):
        return 0
    used = subscription.get("currentPeriodCalls", 0)
    return used if isinstance(used, int) and used > 0 else 0


def quota(subscription: dict[str, Any] | None) -> QuotaDecision:
    if subscription is None:
        return QuotaDecision(False, 0, 0, QuotaRefusal.NO_SUBSCRIPTION)
    limit = int(subscription.get("aiCallsLimit") or 0)
    used = calls_used(subscription)
    if subscription.get("aiAccessEnabled") is not True:
        return QuotaDecision(False, used, limit, QuotaRefusal.NO_ACCESS)
    if used >= limit:
        return QuotaDecision(False, used, limit, QuotaRefusal.QUOTA_EXHAUSTED)
    return QuotaDecision(True, used, limit)
