"""Provider idempotency keys, and the next one after an outage.

Stripe saves the first answer of a key for 24 h, a 5xx included, and replays it: a request whose
provider call failed in a way a retry may cure (network, 429, 5xx) marks its key spent
(`stripe_spent_keys/{hash}`), and the next try of the same request uses the next attempt's key
(`{key}:a1`, `{key}:a2`, ...). That is safe only where the caller checks the provider's state
before it asks again, or where asking twice gives the same state; a refusal (4xx) keeps its key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from shared.kernel.errors import PaymentGatewayError
from shared.kernel.store import Collection, DocumentStore, Transaction

R = TypeVar("R")
SPENT_KEYS = Collection("stripe_spent_keys")


def attempt_key(store: DocumentStore, base: str) -> str:
    """The key the next attempt of `base` uses: `base` itself until an outage spent it."""
    return _key(base, _spent_attempts(store, base))


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
        spent = _spent_attempts(tx, base)
        if _key(base, spent) == key:  # a concurrent attempt may have spent it already
            tx.set(_spent_path(base), {"key": base, "spent": spent + 1})

    store.run_transaction(spend)


def _spent_path(base: str) -> str:
    return SPENT_KEYS.doc(hashlib.sha256(base.encode()).hexdigest()[:40])


def _spent_attempts(reader: DocumentStore | Transaction, base: str) -> int:
    return int((reader.get(_spent_path(base)) or {}).get("spent") or 0)


def _key(base: str, spent: int) -> str:
    return base if spent == 0 else f"{base}:a{spent}"
