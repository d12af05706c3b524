"""Daily dunning: reminders while past due, suspension once the grace period is over."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from shared.kernel.clock import Clock
from shared.kernel.store import DocumentStore, Transaction
from shared.notifications.services.outbox import queue_mail
from shared.subscriptions.domain.subscription import (
    DUNNING_GRACE,
    DUNNING_REMINDER_DAYS,
    SubscriptionStatus,
    dunning_expired,
    dunning_reminder_due,
)


@dataclass
class DunningRun:
    suspended: list[str] = field(default_factory=list)
    reminded: list[str] = field(default_factory=list)


def suspend_overdue_subscriptions(*, store: DocumentStore, clock: Clock) -> DunningRun:
    """Remind `past_due` providers on the reminder days; suspend (AI access off) after the grace.

    `pastDueSince` is Stripe's time of the failed payment, so the grace is counted in billing
    time; each mail's id names the past-due episode and the stage, so a re-run sends nothing new.
    """
    now = clock.now()
    overdue = store.find(
        "subscriptions",
        [
            ("status", "==", SubscriptionStatus.PAST_DUE.value),
            ("pastDueSince", "<=", now - timedelta(days=DUNNING_REMINDER_DAYS[0])),
        ],
        limit=500,
    )
    run = DunningRun()
    for provider_id, _ in overdue:
        outcome = store.run_transaction(partial(_apply, provider_id=provider_id, now=now))
        if outcome == "suspended":
            run.suspended.append(provider_id)
        elif outcome == "reminded":
            run.reminded.append(provider_id)
    return run


def _apply(tx: Transaction, provider_id: str, now: datetime) -> str | None:
    path = f"subscriptions/{provider_id}"
    current: dict[str, Any] | None = tx.get(path)
    if current is None or current.get("status") != SubscriptionStatus.PAST_DUE.value:
        return None  # paid meanwhile
    since = current.get("pastDueSince")
    if not isinstance(since, datetime):
        return None
    if dunning_expired(since, now):
        tx.update(
            path,
            {
                "status": SubscriptionStatus.SUSPENDED.value,
                "aiAccessEnabled": False,
                "suspendedAt": now,
                "updatedAt": now,
            },
        )
        queue_mail(
            tx,
            f"subscription_suspended_{provider_id}_{since:%Y%m%d%H%M%S}",
            to_uid=provider_id,
            template="subscription_suspended",
            data={},
            now=now,
        )
        return "suspended"
    stage = dunning_reminder_due(since, now)
    if stage is None:
        return None
    mail_id = f"subscription_payment_reminder_{provider_id}_{since:%Y%m%d%H%M%S}_d{stage}"
    if tx.get(f"mail/{mail_id}") is not None:
        return None
    days_left = math.ceil((since + DUNNING_GRACE - now).total_seconds() / 86400)
    queue_mail(
        tx,
        mail_id,
        to_uid=provider_id,
        template="subscription_payment_reminder",
        data={"daysPastDue": stage, "daysLeft": days_left},
        now=now,
    )
    return "reminded"


def end_expired_trials(*, store: DocumentStore, clock: Clock) -> list[str]:
    """A server-side trial that reached its end without a paid plan loses AI access."""
    now = clock.now()
    ended = []
    for provider_id, _ in store.find(
        "subscriptions", [("status", "==", SubscriptionStatus.TRIALING.value), ("trialEndsAt", "<=", now)], limit=500
    ):

        def apply(tx: Transaction, provider_id: str = provider_id) -> bool:
            path = f"subscriptions/{provider_id}"
            current = tx.get(path)
            if current is None or current.get("status") != SubscriptionStatus.TRIALING.value:
                return False
            if (
                current.get("stripeSubscriptionId")
                or current.get("trialEndsAt") is None
                or current["trialEndsAt"] > now
            ):
                return False  # Stripe trials end through Stripe's own events
            tx.update(path, {"status": SubscriptionStatus.CANCELLED.value, "aiAccessEnabled": False, "updatedAt": now})
            queue_mail(
                tx,
                f"subscription_trial_ended_{provider_id}_{current['trialEndsAt']:%Y%m%d}",
                to_uid=provider_id,
                template="subscription_trial_ended",
                data={},
                now=now,
            )
            return True

        if store.run_transaction(apply):
            ended.append(provider_id)
    return ended
