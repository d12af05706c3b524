"""What every subscription webhook handler shares: which provider an event is for, whether it is
older than what the document holds, when a payment restarts the quota, and the Stripe states
that give (or hold on to) AI access."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shared.kernel.store import Document, Transaction
from shared.payments.services.stripe_webhook import StripeEvent
from shared.subscriptions.domain.subscription import RECOVERING_STATUSES, SubscriptionStatus

SUBSCRIPTION_INDEX = "stripe_subscription_index"
CUSTOMER_INDEX = "stripe_customers"


def ts(value: object) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if isinstance(value, int) else None


def provider_of(tx: Transaction, metadata: dict[str, Any], subscription_id: object, customer: object) -> str | None:
    """metadata first, then the indexes written when the customer/subscription was created."""
    provider_id = metadata.get("providerId")
    if isinstance(provider_id, str) and provider_id:
        return provider_id
    for collection, key in ((SUBSCRIPTION_INDEX, subscription_id), (CUSTOMER_INDEX, customer)):
        if not isinstance(key, str) or not key:
            continue
        index = tx.get(f"{collection}/{key}")
        if index and isinstance(index.get("providerId"), str):
            return str(index["providerId"])
    return None


def is_stale(current: Document | None, event: StripeEvent) -> bool:
    last = (current or {}).get("lastStripeEventCreated")
    created = event.get("created")
    return isinstance(last, int) and isinstance(created, int) and created < last


def recovery(current: Document | None, status: str, period_start: object) -> dict[str, Any]:
    """Paid again after dunning (or a first payment): the quota restarts, whichever event — the
    invoice's or the subscription's — tells us first (seed 004 I7: the counter is currentPeriodCalls)."""
    if (current or {}).get("status") not in RECOVERING_STATUSES or status != SubscriptionStatus.ACTIVE.value:
        return {}
    return {"pastDueSince": None, "currentPeriodCalls": 0, "usagePeriodStart": period_start}
