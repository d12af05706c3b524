"""Daily dunning: reminders while past due, suspension once the grace period is over."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from shared.kernel.clock import Clock
from shared.kernel.store import DocumentStore, Transaction
from shared.notifications.services.outbox import mail_queued, queue_mail
from shared.subscriptions.adapters import subscription_repository as repository
from shared.subscriptions.domain.dunning import DUNNING_REMINDER_DAYS


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
    overdue = repository.past_due_since_before(store, now - timedelta(days=DUNNING_REMINDER_DAYS[0]))
    run = DunningRun()
    for provider_id in overdue:
        outcome = store.run_transaction(partial(_apply, provider_id=provider_id, now=now))
        if outcome == "suspended":
            run.suspended.append(provider_id)
        elif outcome == "reminded":
            run.reminded.append(provider_id)
    return run


def _apply(tx: Transaction, provider_id: str, now: datetime) -> str | None:
    subscription = repository.load(tx, provider_id)
    step = subscription.dunning_step(now)
    if step is None:
        return None
    episode = f"{provider_id}_{step.past_due_since:%Y%m%d%H%M%S}"
    data: dict[str, Any] = {}
    if step.suspend:
        subscription.suspend(now)
        repository.save(tx, subscription)
        template, mail_id = "subscription_suspended", f"subscription_suspended_{episode}"
    else:
        template = "subscription_payment_reminder"
        mail_id = f"{template}_{episode}_d{step.stage}"
        if mail_queued(tx, mail_id):
            return None
        data = {"daysPastDue": step.stage, "daysLeft": step.days_left}
    queue_mail(tx, mail_id, to_uid=provider_id, template=template, data=data, now=now)
    return "suspended" if step.suspend else "reminded"


def end_expired_trials(*, store: DocumentStore, clock: Clock) -> list[str]:
    """A server-side trial that reached its end without a paid plan loses AI access."""
    now = clock.now()
    ended = []
    for provider_id in repository.trials_ended_by(store, now):

        def apply(tx: Transaction, provider_id: str = provider_id) -> bool:
            subscription = repository.load(tx, provider_id)
            if not subscription.server_trial_over(now):
                return False  # paid meanwhile, or a Stripe trial (it ends through Stripe's events)
            subscription.end_trial(now)
            repository.save(tx, subscription)
            queue_mail(
                tx,
                f"subscription_trial_ended_{provider_id}_{subscription.get('trialEndsAt'):%Y%m%d}",
                to_uid=provider_id,
                template="subscription_trial_ended",
                data={},
                now=now,
            )
            return True

        if store.run_transaction(apply):
            ended.append(provider_id)
    return ended
