"""Daily dunning: a subscription past due for the whole grace period is suspended."""

from __future__ import annotations

from typing import Any

from shared.domain.subscription import DUNNING_GRACE, SubscriptionStatus, dunning_expired
from shared.ports.clock import Clock
from shared.ports.store import DocumentStore, Transaction
from shared.services.notifications import queue_mail


def suspend_overdue_subscriptions(*, store: DocumentStore, clock: Clock) -> list[str]:
    """Suspend (AI access off) every `past_due` subscription older than the grace period."""
    now = clock.now()
    overdue = store.find(
        "subscriptions",
        [("status", "==", SubscriptionStatus.PAST_DUE.value), ("pastDueSince", "<=", now - DUNNING_GRACE)],
        limit=500,
    )
    suspended = []
    for provider_id, _ in overdue:

        def apply(tx: Transaction, provider_id: str = provider_id) -> bool:
            path = f"subscriptions/{provider_id}"
            current: dict[str, Any] | None = tx.get(path)
            if current is None or current.get("status") != SubscriptionStatus.PAST_DUE.value:
                return False  # paid meanwhile
            if not dunning_expired(current.get("pastDueSince"), now):
                return False
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
                f"subscription_suspended_{provider_id}_{now:%Y%m%d}",
                to_uid=provider_id,
                template="subscription_suspended",
                data={},
                now=now,
            )
            return True

        if store.run_transaction(apply):
            suspended.append(provider_id)
    return suspended


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
            return True

        if store.run_transaction(apply):
            ended.append(provider_id)
    return ended
