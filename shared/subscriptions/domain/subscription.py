"""A provider's subscription: status from Stripe, AI access, dunning grace, AI call quota."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

DUNNING_GRACE = timedelta(days=7)
# Stripe refuses a Checkout trial ending within 48 h; a server trial this close to its end is not
# carried. The extra hour covers the time between our answer and the provider opening Checkout.
MIN_CARRIED_TRIAL = timedelta(hours=49)
# Reminder mails while past due, by days since the failed payment (the first is sent at once).
DUNNING_REMINDER_DAYS = (3, 6)


class SubscriptionStatus(StrEnum):
    TRIALING = "trialing"
    ACTIVE = "active"
    PAST_DUE = "past_due"
    SUSPENDED = "suspended"  # dunning grace over: no AI until the invoice is paid
    PAUSED = "paused"
    INCOMPLETE = "incomplete"
    CANCELLED = "cancelled"

    @classmethod
    def of_stripe(cls, status: object) -> SubscriptionStatus:
        return {
            "trialing": cls.TRIALING,
            "active": cls.ACTIVE,
            "past_due": cls.PAST_DUE,
            "unpaid": cls.SUSPENDED,
            "paused": cls.PAUSED,
            "incomplete": cls.INCOMPLETE,
            "incomplete_expired": cls.CANCELLED,
            "canceled": cls.CANCELLED,
        }.get(str(status), cls.INCOMPLETE)


# The live statuses: a subscription that gives AI access. Stripe's statuses of the same names
# are the live ones at Stripe (its "unpaid" is our suspended, its "canceled" our cancelled).
LIVE_STATUSES = frozenset({SubscriptionStatus.TRIALING, SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE})
# The document states that hold on to their Stripe subscription (a dunning suspension included).
HOLDING_STATUSES = LIVE_STATUSES | {SubscriptionStatus.SUSPENDED}
# The states a payment brings back to active, with the quota restarted.
RECOVERING_STATUSES = frozenset(
    {SubscriptionStatus.PAST_DUE, SubscriptionStatus.SUSPENDED, SubscriptionStatus.INCOMPLETE}
)


def is_live(status: object) -> bool:
    """A stored or Stripe status that gives AI access."""
    return isinstance(status, str) and status in LIVE_STATUSES


def ai_access_enabled(status: SubscriptionStatus) -> bool:
    """The access rule: past_due keeps access during the dunning grace; suspension or
    cancellation ends it."""
    return is_live(status)


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


def server_trial(subscription: dict[str, Any] | None) -> bool:
    """A trial granted by `startTrial`: no Stripe subscription behind it (the cron ends it)."""
    doc = subscription or {}
    return doc.get("status") == SubscriptionStatus.TRIALING.value and not doc.get("stripeSubscriptionId")


def trial_carried_into_plan(subscription: dict[str, Any] | None, now: datetime) -> datetime | None:
    """When a plan bought during a server trial charges first: the trial's end, so the provider
    keeps the days already granted; None (charge now) when the trial is almost over."""
    if not server_trial(subscription):
        return None
    ends = (subscription or {}).get("trialEndsAt")
    return ends if isinstance(ends, datetime) and ends - now >= MIN_CARRIED_TRIAL else None


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
