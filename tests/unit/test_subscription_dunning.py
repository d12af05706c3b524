from datetime import timedelta

from shared.services.subscription_dunning import suspend_overdue_subscriptions
from tests.fakes import FakeClock, InMemoryStore


def test_suspends_after_seven_days_past_due_only() -> None:
    store, clock = InMemoryStore(), FakeClock()
    now = clock.now()
    store.set(
        "subscriptions/late", {"status": "past_due", "pastDueSince": now - timedelta(days=7), "aiAccessEnabled": True}
    )
    store.set(
        "subscriptions/recent", {"status": "past_due", "pastDueSince": now - timedelta(days=6), "aiAccessEnabled": True}
    )
    store.set("subscriptions/fine", {"status": "active", "aiAccessEnabled": True})
    assert suspend_overdue_subscriptions(store=store, clock=clock) == ["late"]
    assert store.get("subscriptions/late") == {
        **store.get("subscriptions/late"),  # type: ignore[dict-item]
        "status": "suspended",
        "aiAccessEnabled": False,
    }
    assert store.get("subscriptions/recent")["status"] == "past_due"  # type: ignore[index]
    assert store.get(f"mail/subscription_suspended_late_{now:%Y%m%d}") is not None
    assert suspend_overdue_subscriptions(store=store, clock=clock) == []
