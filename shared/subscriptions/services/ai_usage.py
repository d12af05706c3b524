"""checkAiAccess / incrementAiUsage: the AI assistant's quota, enforced atomically.

The counter belongs to the billing period it was counted in (`usagePeriodStart`); when the
Stripe webhook moves `currentPeriodStart` to a new period, the next increment starts at 0.
"""

from __future__ import annotations

from datetime import datetime

from shared.kernel.clock import Clock
from shared.kernel.commands import Caller, require_caller
from shared.kernel.errors import PermissionDenied, ResourceExhausted
from shared.kernel.store import DocumentStore, Transaction
from shared.subscriptions.adapters import subscription_repository as repository
from shared.subscriptions.domain.quota import QuotaDecision, QuotaRefusal
from shared.subscriptions.services.checkout import provider_profile

PROVIDER_ROLES = frozenset({"lawyer", "expat", "expat_aidant"})


def _provider(caller: Caller | None, store: DocumentStore) -> str:
    """A provider by role claim or, without one, by the same profile lookup as subscribing."""
    user = require_caller(caller)
    if user.claims.get("role") in PROVIDER_ROLES or user.is_admin:
        return user.uid
    try:
        provider_profile(store, user.uid)
    except PermissionDenied:
        raise PermissionDenied("the AI assistant is for providers") from None
    return user.uid


def check_ai_access(caller: Caller | None, *, store: DocumentStore) -> QuotaDecision:
    return repository.load(store, _provider(caller, store)).quota()


def increment_ai_usage(caller: Caller | None, *, store: DocumentStore, clock: Clock) -> QuotaDecision:
    """Count one AI call if the quota allows it; N concurrent calls never exceed the limit."""
    provider_id = _provider(caller, store)
    decision = store.run_transaction(lambda tx: _increment(tx, provider_id, clock.now()))
    if not decision.allowed:
        if decision.reason is QuotaRefusal.QUOTA_EXHAUSTED:
            raise ResourceExhausted(f"AI quota reached: {decision.used}/{decision.limit} calls this billing period")
        raise PermissionDenied(f"no AI access ({decision.reason.value if decision.reason else 'unknown'})")
    return decision


def _increment(tx: Transaction, provider_id: str, now: datetime) -> QuotaDecision:
    subscription = repository.load(tx, provider_id)
    decision = subscription.count_ai_call(now)
    if decision.allowed:
        repository.save(tx, subscription)
    return decision
