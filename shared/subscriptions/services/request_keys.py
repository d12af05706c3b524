"""The Stripe idempotency keys of subscription changes, and a new one after a Stripe outage.

A change's key comes from the request itself: the client's `requestId` (a retry of one tap is
one change at Stripe), else a counter on `subscriptions/{uid}` (`stripeRequestCount`) taken in a
transaction before Stripe is called — never from the last applied event, which cancel ->
reactivate -> cancel before a webhook would reuse.

Stripe saves the first answer of a key for 24 h, a 5xx included, and replays it: a request whose
Stripe call failed in a way a retry may cure (network, 429, 5xx) marks its key spent
(`stripe_spent_keys/{hash}`), and the next try of the same request uses the next attempt's key
(`{key}:a1`, `{key}:a2`, ...). That is safe because every change is checked against Stripe's
state before it is asked (the plan change retrieves the subscription first; setting
`cancel_at_period_end` twice gives the same state). A refusal (4xx) keeps its key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel

from shared.kernel.errors import PaymentGatewayError
from shared.kernel.fields import RequestId
from shared.kernel.store import DocumentStore, Transaction
from shared.subscriptions.adapters import subscription_repository as repository

R = TypeVar("R")


class RequestIdCommand(BaseModel):
    """An optional client-chosen id of one user action: a retry of that action (same id) is one
    change at Stripe; without it, every request is a new change."""

    requestId: RequestId = None


def request_key(store: DocumentStore, uid: str, action: str, request_id: str | None) -> str:
    """The base idempotency key of this request (see the module docstring)."""
    if request_id is not None:
        return f"{action}:req:{request_id}"

    return f"{action}:n{store.run_transaction(lambda tx: repository.next_request_number(tx, uid))}"


def attempt_key(store: DocumentStore, base: str) -> str:
    """The key the next attempt of `base` uses: `base` itself until an outage spent it."""
    return _key(base, repository.spent_attempts(store, base))


def call_with_key(store: DocumentStore, base: str, call: Callable[[str], R]) -> R:
    """`call(key)` with the attempt's key; a retryable failure marks that key spent."""
    key = attempt_key(store, base)
    try:
        return call(key)
    except PaymentGatewayError as exc:
        if exc.retryable:
            _mark_spent(store, base, key)
        raise


def _mark_spent(store: DocumentStore, base: str, key: str) -> None:
    def spend(tx: Transaction) -> None:
        spent = repository.spent_attempts(tx, base)
        if _key(base, spent) == key:  # a concurrent attempt may have spent it already
            repository.write_spent_attempts(tx, base, spent + 1)

    store.run_transaction(spend)


def _key(base: str, spent: int) -> str:
    return base if spent == 0 else f"{base}:a{spent}"
