"""One subscription purchase in flight per provider, and no stale first invoice left payable.

A purchase (Checkout or Elements) is reserved in `subscription_purchases/{providerId}` in a
transaction before Stripe is called (outside it), as the Stripe customer is reserved
(stripe_customers): a concurrent purchase of the same provider is refused with ABORTED instead
of creating a second subscription. The lease ends when the purchase is answered, or by itself
after LEASE if the request died.

Before a new purchase, the customer's `incomplete` subscriptions (an Elements purchase left
unpaid) are cancelled at Stripe, so their first invoice can no longer be paid next to the new
one; one nobody replaces expires at Stripe after 23 hours. Either way their events do not touch
the provider's tracked subscription (subscription_events).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from shared.kernel.clock import Clock
from shared.kernel.errors import Aborted
from shared.kernel.reservation import leased
from shared.kernel.store import DocumentStore, Transaction
from shared.subscriptions.adapters import subscription_repository as repository
from shared.subscriptions.ports.billing import BillingGateway

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)


@contextmanager
def purchase_in_flight(provider_id: str, *, store: DocumentStore, clock: Clock) -> Iterator[int]:
    """The provider's purchase slot for the duration of the block (ABORTED when taken); yields
    the purchase's number, which names its Stripe idempotency keys (each purchase is a new intent)."""
    holder = uuid.uuid4().hex
    number = store.run_transaction(lambda tx: _take(tx, provider_id, holder, clock.now()))
    if number is None:
        raise Aborted("a subscription purchase is already in progress for this account; retry shortly")
    try:
        yield number
    finally:
        store.run_transaction(lambda tx: _release(tx, provider_id, holder, clock.now()))


def _take(tx: Transaction, provider_id: str, holder: str, now: datetime) -> int | None:
    current = repository.purchase_slot(tx, provider_id)
    if leased(current, now):
        return None
    number = int(current.get("purchases") or 0) + 1
    slot = {"holder": holder, "leaseUntil": now + LEASE, "startedAt": now, "purchases": number}
    repository.write_purchase_slot(tx, provider_id, slot)
    return number


def _release(tx: Transaction, provider_id: str, holder: str, now: datetime) -> None:
    if repository.purchase_slot(tx, provider_id).get("holder") == holder:
        repository.write_purchase_slot(tx, provider_id, {"holder": None, "leaseUntil": None, "endedAt": now})


def record_purchase(provider_id: str, subscription_id: str, *, store: DocumentStore, clock: Clock) -> None:
    """Which provider a new Stripe subscription is for (the webhook's index), and the last one bought."""
    now = clock.now()

    def write(tx: Transaction) -> None:
        repository.index_subscription(tx, subscription_id, provider_id)
        repository.write_purchase_slot(tx, provider_id, {"subscriptionId": subscription_id, "updatedAt": now})

    store.run_transaction(write)


def cancel_stale_incomplete(customer_id: str, *, billing: BillingGateway, purchase: int) -> list[str]:
    """Cancel the customer's subscriptions still waiting for their first payment (the key names
    the purchase: a purchase retried after an outage does not get the saved 5xx again)."""
    cancelled = []
    for subscription_id in billing.incomplete_subscriptions(customer_id):
        billing.cancel_subscription(subscription_id, f"cancel-incomplete:{subscription_id}:p{purchase}")
        log.info("stale incomplete subscription %s cancelled before a new purchase", subscription_id)
        cancelled.append(subscription_id)
    return cancelled
