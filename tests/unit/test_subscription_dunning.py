"""Dunning (seed 004 TEST 5): reminders while past due, suspension after 7 days of grace."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.kernel.clock import ScheduledRunClock
from shared.subscriptions.domain.dunning import DUNNING_GRACE, dunning_reminder_due
from shared.subscriptions.services.dunning import suspend_overdue_subscriptions
from tests.fakes import FakeClock, InMemoryStore

SINCE = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)


def past_due(store: InMemoryStore, provider_id: str, since: datetime) -> None:
    store.set(f"subscriptions/{provider_id}", {"status": "past_due", "pastDueSince": since, "aiAccessEnabled": True})


def mails(store: InMemoryStore, template: str) -> list[dict[str, object]]:
    return [doc for _, doc in store.find("mail", []) if doc["template"]["name"] == template]  # type: ignore[index]


def test_suspends_after_seven_days_past_due_only() -> None:
    store, clock = InMemoryStore(), FakeClock()
    now = clock.now()
    past_due(store, "late", now - timedelta(days=7))
    past_due(store, "recent", now - timedelta(days=6, hours=23))
    store.set("subscriptions/fine", {"status": "active", "aiAccessEnabled": True})
    assert suspend_overdue_subscriptions(store=store, clock=clock).suspended == ["late"]
    late = store.get("subscriptions/late")
    assert late is not None and (late["status"], late["aiAccessEnabled"], late["suspendedAt"]) == (
        "suspended",
        False,
        now,
    )
    assert store.get("subscriptions/recent")["status"] == "past_due"  # type: ignore[index]
    assert [m["toUids"] for m in mails(store, "subscription_suspended")] == [["late"]]
    again = suspend_overdue_subscriptions(store=store, clock=clock)
    assert again.suspended == [] and len(mails(store, "subscription_suspended")) == 1


def test_reminders_on_day_three_and_six_once_each_then_suspension() -> None:
    store = InMemoryStore()
    past_due(store, "p1", SINCE)
    expected = {1: (None, 0), 3: ("p1", 1), 4: (None, 1), 6: ("p1", 2), 7: (None, 2)}
    for day, (reminded, count) in expected.items():
        run = suspend_overdue_subscriptions(store=store, clock=FakeClock(SINCE + timedelta(days=day)))
        assert run.reminded == ([reminded] if reminded else []), day
        assert len(mails(store, "subscription_payment_reminder")) == count, day
    data = sorted((m["template"]["data"] for m in mails(store, "subscription_payment_reminder")), key=str)  # type: ignore[index]
    assert data == [{"daysPastDue": 3, "daysLeft": 4}, {"daysPastDue": 6, "daysLeft": 1}]
    assert store.get("subscriptions/p1")["status"] == "suspended"  # type: ignore[index]


def test_a_run_that_missed_day_three_sends_only_the_latest_reminder() -> None:
    store = InMemoryStore()
    past_due(store, "p1", SINCE)
    suspend_overdue_subscriptions(store=store, clock=FakeClock(SINCE + timedelta(days=6, hours=1)))
    assert [m["template"]["data"]["daysPastDue"] for m in mails(store, "subscription_payment_reminder")] == [6]  # type: ignore[index]


def test_a_new_past_due_episode_gets_its_own_reminders() -> None:
    store = InMemoryStore()
    past_due(store, "p1", SINCE)
    suspend_overdue_subscriptions(store=store, clock=FakeClock(SINCE + timedelta(days=3)))
    later = SINCE + timedelta(days=40)
    past_due(store, "p1", later)
    suspend_overdue_subscriptions(store=store, clock=FakeClock(later + timedelta(days=3)))
    assert len(mails(store, "subscription_payment_reminder")) == 2


def test_paid_meanwhile_is_neither_reminded_nor_suspended() -> None:
    store = InMemoryStore()
    store.set("subscriptions/p1", {"status": "active", "pastDueSince": None, "aiAccessEnabled": True})
    run = suspend_overdue_subscriptions(store=store, clock=FakeClock(SINCE + timedelta(days=30)))
    assert (run.suspended, run.reminded) == ([], []) and store.find("mail", []) == []


@given(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)))
def test_a_reminder_is_due_only_inside_the_grace(elapsed: timedelta) -> None:
    stage = dunning_reminder_due(SINCE, SINCE + elapsed)
    if elapsed >= DUNNING_GRACE or elapsed < timedelta(days=3):
        assert stage is None
    else:
        assert stage == (6 if elapsed >= timedelta(days=6) else 3)


def test_a_scheduled_run_decides_as_of_its_schedule_time() -> None:
    scheduled = datetime(2027, 1, 10, 2, 0, tzinfo=UTC)
    clock = ScheduledRunClock(scheduled)
    assert scheduled <= clock.now() < scheduled + timedelta(seconds=5)
    store = InMemoryStore()
    past_due(store, "p1", scheduled - DUNNING_GRACE)
    assert suspend_overdue_subscriptions(store=store, clock=clock).suspended == ["p1"]


@pytest.mark.parametrize("since", [None, "not a date"])
def test_a_past_due_document_without_a_usable_date_is_left_alone(since: object) -> None:
    store = InMemoryStore()
    store.set("subscriptions/p1", {"status": "past_due", "pastDueSince": since, "aiAccessEnabled": True})
    run = suspend_overdue_subscriptions(store=store, clock=FakeClock(SINCE))
    assert (run.suspended, run.reminded) == ([], [])
