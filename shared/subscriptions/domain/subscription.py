"""A provider's subscription (`subscriptions/{providerId}`): its statuses and the access rule,
dunning, the server trial and the AI quota, as the `Subscription` aggregate and its rules."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from shared.kernel.errors import FailedPrecondition
from shared.subscriptions.domain.dunning import DUNNING_GRACE, DunningStep, dunning_expired, dunning_reminder_due
from shared.subscriptions.domain.plans import Tier
from shared.subscriptions.domain.quota import QuotaDecision, calls_used, quota

# Stripe refuses a Checkout trial ending within 48 h; a server trial this close to its end is not
# carried. The extra hour covers the time between our answer and the provider opening Checkout.
MIN_CARRIED_TRIAL = timedelta(hours=49)


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


@dataclass
class Subscription:
    """The aggregate of `subscriptions/{providerId}`, in the document's own shape (the web app
    reads it): the stored fields are kept as they are, unknown ones included, and each rule
    records the fields it changes in `changes`, which the repository writes as they are."""

    provider_id: str
    stored: dict[str, Any] | None = None  # None: no document yet
    changes: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str, default: Any = None) -> Any:
        return self.changes[name] if name in self.changes else (self.stored or {}).get(name, default)

    @property
    def exists(self) -> bool:
        return self.stored is not None

    def to_document(self) -> dict[str, Any]:
        return {**(self.stored or {}), **self.changes}

    @property
    def status(self) -> object:
        return self.get("status")

    @property
    def stripe_subscription_id(self) -> str | None:
        found = self.get("stripeSubscriptionId")
        return found if isinstance(found, str) and found else None

    @property
    def is_live(self) -> bool:
        return is_live(self.status)

    @property
    def is_paid(self) -> bool:
        """Live with a Stripe subscription behind it (what a plan change or a cancellation needs)."""
        return self.is_live and self.stripe_subscription_id is not None

    @property
    def is_server_trial(self) -> bool:
        return server_trial(self.to_document())

    def trial_carried_into_plan(self, now: datetime) -> datetime | None:
        return trial_carried_into_plan(self.to_document(), now)

    def quota(self) -> QuotaDecision:
        return quota(self.to_document() if self.exists else None)

    def count_ai_call(self, now: datetime) -> QuotaDecision:
        """One AI call counted in the current period, if the quota allows it."""
        decision = self.quota()
        if not decision.allowed:
            return decision
        used = calls_used(self.to_document()) + 1
        self.changes.update(
            {"currentPeriodCalls": used, "usagePeriodStart": self.get("currentPeriodStart"), "lastAiCallAt": now}
        )
        return QuotaDecision(True, used, decision.limit)

    def start_trial(self, provider_type: str, *, days: int, ai_calls: int, now: datetime) -> None:
        """The server's free trial (the once-per-provider rule is the trial record's)."""
        if self.is_live:
            raise FailedPrecondition("you already have a subscription")
        ends = now + timedelta(days=days)
        self.changes.update(
            {
                "providerId": self.provider_id,
                "providerType": provider_type,
                "planId": None,
                "tier": Tier.TRIAL.value,
                "status": SubscriptionStatus.TRIALING.value,
                "aiAccessEnabled": True,
                "aiCallsLimit": ai_calls,
                "currentPeriodCalls": 0,
                "currentPeriodStart": now,
                "currentPeriodEnd": ends,
                "trialStartedAt": now,
                "trialEndsAt": ends,
                "cancelAtPeriodEnd": False,
                "createdAt": now,
                "updatedAt": now,
            }
        )

    def server_trial_over(self, now: datetime) -> bool:
        """A server trial past its end (a Stripe trial ends through Stripe's own events)."""
        ends = self.get("trialEndsAt")
        return self.is_server_trial and ends is not None and ends <= now

    def end_trial(self, now: datetime) -> None:
        self.changes.update({"status": SubscriptionStatus.CANCELLED.value, "aiAccessEnabled": False, "updatedAt": now})

    def dunning_step(self, now: datetime) -> DunningStep | None:
        since = self.get("pastDueSince")
        if self.status != SubscriptionStatus.PAST_DUE.value or not isinstance(since, datetime):
            return None  # paid meanwhile
        if dunning_expired(since, now):
            return DunningStep(since, suspend=True)
        stage = dunning_reminder_due(since, now)
        if stage is None:
            return None
        days_left = math.ceil((since + DUNNING_GRACE - now).total_seconds() / 86400)
        return DunningStep(since, suspend=False, stage=stage, days_left=days_left)

    def suspend(self, now: datetime) -> None:
        self.changes.update(
            {
                "status": SubscriptionStatus.SUSPENDED.value,
                "aiAccessEnabled": False,
                "suspendedAt": now,
                "updatedAt": now,
            }
        )

    # Stripe's events, newest wins.
    def takes_over(self, stripe_id: object, stripe_status: object, created: object) -> bool:
        """May an event of that Stripe subscription write the document? Always for the tracked
        one (or when none is tracked); for another one, only when it is newer and live, or, when
        the tracked one no longer holds (incomplete, cancelled), when it is live or newer."""
        tracked = self.stripe_subscription_id
        if tracked is None or tracked == stripe_id:
            return True
        newer = _seconds(created) > _seconds(self.get("stripeSubscriptionCreated"))
        if self.status in HOLDING_STATUSES:
            return newer and is_live(stripe_status)
        return newer or is_live(stripe_status)

    def has_ended(self, stripe_id: object) -> bool:
        """A cancelled Stripe subscription is final: nothing brings that subscription id back."""
        return self.exists and self.stripe_subscription_id == stripe_id and self.status == SubscriptionStatus.CANCELLED

    def status_at_stripe(self, stripe_status: object) -> SubscriptionStatus:
        """Our status for Stripe's: our dunning's suspension stands while Stripe still says past_due."""
        status = SubscriptionStatus.of_stripe(stripe_status)
        if status is SubscriptionStatus.PAST_DUE and self.status == SubscriptionStatus.SUSPENDED:
            return SubscriptionStatus.SUSPENDED
        return status

    def mirror_stripe(
        self,
        fields: dict[str, Any],
        *,
        deleted: bool,
        past_due_at: datetime | None,
        event_created: object,
        now: datetime,
    ) -> None:
        """The fields of Stripe's subscription (`past_due_at`: when it is known to have been
        past due; a deleted one is cancelled), with the bookkeeping of the event."""
        fields = dict(fields)
        if deleted:
            fields.update({"status": SubscriptionStatus.CANCELLED.value, "aiAccessEnabled": False})
        if fields["status"] == SubscriptionStatus.PAST_DUE and not self.get("pastDueSince") and past_due_at:
            fields["pastDueSince"] = past_due_at
        fields.update(self.recovery(fields["status"], fields["currentPeriodStart"]))
        fields.update({"providerId": self.provider_id, "lastStripeEventCreated": event_created, "updatedAt": now})
        if not self.exists:
            fields.update({"createdAt": now, "currentPeriodCalls": 0})
        self.changes.update(fields)

    def is_stale(self, event_created: object) -> bool:
        last = self.get("lastStripeEventCreated")
        return isinstance(last, int) and isinstance(event_created, int) and event_created < last

    def event_applied(self, event_created: object, now: datetime) -> None:
        self.changes.update({"updatedAt": now, "lastStripeEventCreated": event_created})

    def recovery(self, status: str, period_start: object) -> dict[str, Any]:
        """Paid again after dunning (or a first payment): the quota restarts, whichever event —
        the invoice's or the subscription's — tells first (seed 004 I7: the counter is
        currentPeriodCalls)."""
        if self.status not in RECOVERING_STATUSES or status != SubscriptionStatus.ACTIVE.value:
            return {}
        return {"pastDueSince": None, "currentPeriodCalls": 0, "usagePeriodStart": period_start}

    def invoice_paid(self) -> None:
        recovered = self.recovery(SubscriptionStatus.ACTIVE.value, self.get("currentPeriodStart"))
        if recovered:
            self.changes.update({"status": SubscriptionStatus.ACTIVE.value, "aiAccessEnabled": True, **recovered})

    def payment_failed(self, failed_at: datetime) -> None:
        """past_due keeps AI access for the grace, which runs from the first failure."""
        if self.is_live:
            since = self.get("pastDueSince") or failed_at
            self.changes.update(
                {"status": SubscriptionStatus.PAST_DUE.value, "aiAccessEnabled": True, "pastDueSince": since}
            )


def _seconds(value: object) -> int:
    return value if isinstance(value, int) else 0
