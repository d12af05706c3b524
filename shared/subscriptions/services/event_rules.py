"""What every subscription webhook handler shares: which provider an event is for, and Stripe's
unix times."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shared.kernel.store import Transaction
from shared.subscriptions.adapters import subscription_repository as repository


def ts(value: object) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if isinstance(value, int) else None


def provider_of(tx: Transaction, metadata: dict[str, Any], subscription_id: object, customer: object) -> str | None:
    """metadata first, then the indexes written when the customer/subscription was created."""
    provider_id = metadata.get("providerId")
    if isinstance(provider_id, str) and provider_id:
        return provider_id
    return repository.indexed_provider(tx, subscription_id, customer)
