"""One Stripe Customer per user, ever — even when the first requests race.

A reservation (`stripe_customer_requests/{uid}`) is taken in a transaction before Stripe is
called (outside it) with the key `customer:{uid}`; a concurrent request waits for the winner's
customer id instead of creating a second customer (Stripe forgets keys after 24 h, so the
reservation is what guarantees it). Stripe replays a saved 5xx for its key: after a retryable
failure the reservation is let go at once and the next try uses the next key
(`customer:{uid}:a1`, see `subscription_request_keys`); should that 5xx have created a customer
all the same, it stays unused at Stripe — the product records one customer per user.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from shared.kernel.clock import Clock
from shared.kernel.errors import Aborted
from shared.kernel.idempotency import call_with_key
from shared.kernel.reservation import leased, wait_for
from shared.kernel.store import DocumentStore, Transaction
from shared.subscriptions.adapters import subscription_repository as repository
from shared.subscriptions.ports.billing import BillingGateway

LEASE = timedelta(seconds=30)
WAIT_SECONDS, WAIT_STEP = 10.0, 0.2


def ensure_customer(
    user_id: str, email: str | None, *, store: DocumentStore, billing: BillingGateway, clock: Clock
) -> str:
    def reserve() -> str | None:
        outcome = store.run_transaction(lambda tx: _reserve(tx, user_id, clock.now()))
        return None if outcome == "wait" else outcome

    outcome = reserve() or wait_for(reserve, clock=clock, seconds=WAIT_SECONDS, step=WAIT_STEP)
    if outcome is None:
        raise Aborted("a Stripe customer is being created for this account; retry shortly")
    if outcome != "create":
        return outcome
    try:
        customer_id = call_with_key(
            store, f"customer:{user_id}", lambda key: billing.create_customer(user_id, email, key)
        )
    except Exception:
        repository.let_customer_reservation_go(store, user_id)
        raise
    store.run_transaction(lambda tx: _record(tx, user_id, customer_id, clock.now()))
    return repository.customer_of(store, user_id) or customer_id


def _reserve(tx: Transaction, user_id: str, now: datetime) -> str:
    existing = repository.customer_of(tx, user_id)
    request = repository.customer_request(tx, user_id)
    if existing is not None:
        return existing
    if leased(request, now):
        return "wait"
    repository.reserve_customer(tx, user_id, now + LEASE, now)
    return "create"


def _record(tx: Transaction, user_id: str, customer_id: str, now: datetime) -> None:
    first = repository.customer_of(tx, user_id) is None
    repository.record_customer(tx, user_id, customer_id, now, first=first)
