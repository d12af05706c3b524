import threading
from datetime import UTC, datetime, timedelta

import pytest

from shared.kernel.commands import Caller
from shared.kernel.errors import PermissionDenied, ResourceExhausted, Unauthenticated
from shared.subscriptions.services.ai_usage import check_ai_access, increment_ai_usage
from tests.fakes import FakeClock, InMemoryStore

LAWYER = Caller("lawyer1", {"role": "lawyer"})
PERIOD = datetime(2026, 11, 1, tzinfo=UTC)


def store_with(limit: int = 5, used: int = 0, access: bool = True) -> InMemoryStore:
    store = InMemoryStore()
    store.set(
        "subscriptions/lawyer1",
        {
            "aiAccessEnabled": access,
            "aiCallsLimit": limit,
            "currentPeriodCalls": used,
            "currentPeriodStart": PERIOD,
            "usagePeriodStart": PERIOD,
        },
    )
    return store


def test_increments_until_the_limit_then_refuses() -> None:
    store, clock = store_with(limit=2), FakeClock()
    assert increment_ai_usage(LAWYER, store=store, clock=clock).used == 1
    assert increment_ai_usage(LAWYER, store=store, clock=clock).remaining == 0
    with pytest.raises(ResourceExhausted, match="2/2"):
        increment_ai_usage(LAWYER, store=store, clock=clock)
    assert store.get("subscriptions/lawyer1")["currentPeriodCalls"] == 2  # type: ignore[index]
    assert not check_ai_access(LAWYER, store=store).allowed


def test_concurrent_increments_at_the_limit_never_exceed_it() -> None:
    store, clock = store_with(limit=5, used=3), FakeClock()
    outcomes: list[str] = []
    barrier = threading.Barrier(12)

    def call() -> None:
        barrier.wait()
        try:
            increment_ai_usage(LAWYER, store=store, clock=clock)
            outcomes.append("ok")
        except ResourceExhausted:
            outcomes.append("refused")

    threads = [threading.Thread(target=call) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 2 and outcomes.count("refused") == 10
    assert store.get("subscriptions/lawyer1")["currentPeriodCalls"] == 5  # type: ignore[index]


def test_a_new_billing_period_starts_from_zero() -> None:
    store, clock = store_with(limit=5, used=5), FakeClock()
    store.set("subscriptions/lawyer1", {"currentPeriodStart": PERIOD + timedelta(days=30)}, merge=True)
    assert check_ai_access(LAWYER, store=store).used == 0
    assert increment_ai_usage(LAWYER, store=store, clock=clock).used == 1


def test_only_providers_with_access() -> None:
    store, clock = store_with(access=False), FakeClock()
    with pytest.raises(PermissionDenied, match="no_access"):
        increment_ai_usage(LAWYER, store=store, clock=clock)
    with pytest.raises(PermissionDenied, match="providers"):
        check_ai_access(Caller("client1", {"role": "client"}), store=store)
    with pytest.raises(Unauthenticated):
        check_ai_access(None, store=store)
    with pytest.raises(PermissionDenied, match="no_subscription"):
        increment_ai_usage(Caller("lawyer2", {"role": "lawyer"}), store=store, clock=clock)


def test_a_provider_without_a_role_claim_is_found_by_profile() -> None:
    store = store_with()
    store.set("sos_profiles/lawyer1", {"type": "lawyer"})
    no_claim = Caller("lawyer1", {})
    assert check_ai_access(no_claim, store=store).allowed
    assert increment_ai_usage(no_claim, store=store, clock=FakeClock()).used == 1
    store.set("subscriptions/client1", {"aiAccessEnabled": True, "aiCallsLimit": 5})
    with pytest.raises(PermissionDenied, match="for providers"):
        check_ai_access(Caller("client1", {"role": "client"}), store=store)
