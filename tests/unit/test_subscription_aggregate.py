"""The Subscription aggregate, without the store: its document shape and its rules."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.kernel.errors import FailedPrecondition
from shared.subscriptions.domain.dunning import DUNNING_GRACE
from shared.subscriptions.domain.quota import QuotaRefusal
from shared.subscriptions.domain.subscription import LIVE_STATUSES, Subscription, SubscriptionStatus

NOW = datetime(2026, 11, 10, tzinfo=UTC)
STATUSES = st.sampled_from([s.value for s in SubscriptionStatus])
DOCS = st.dictionaries(
    st.sampled_from(["status", "planId", "aiCallsLimit", "webAppField", "currentPeriodCalls"]),
    st.one_of(st.none(), st.integers(-3, 50), STATUSES, st.text(max_size=5)),
)


@given(DOCS)
def test_a_document_comes_back_as_it_was_read(doc: dict[str, object]) -> None:
    assert Subscription("p1", doc).to_document() == doc
    assert Subscription("p1", doc).changes == {}


@given(STATUSES, st.integers(0, 40), st.integers(0, 40), st.booleans())
def test_counted_calls_never_pass_the_limit(status: str, limit: int, used: int, same_period: bool) -> None:
    doc = {
        "status": status,
        "aiAccessEnabled": status in LIVE_STATUSES,
        "aiCallsLimit": limit,
        "currentPeriodCalls": used,
        "currentPeriodStart": NOW,
        "usagePeriodStart": NOW if same_period else NOW - timedelta(days=30),
    }
    subscription = Subscription("p1", doc)
    for _ in range(limit + 2):
        subscription.count_ai_call(NOW)
    counted = subscription.to_document()["currentPeriodCalls"]
    assert counted <= max(limit, used)
    assert subscription.quota().allowed is False


def test_no_document_no_subscription() -> None:
    subscription = Subscription("p1")
    assert subscription.count_ai_call(NOW).reason is QuotaRefusal.NO_SUBSCRIPTION and not subscription.changes


def test_dunning_reminds_then_suspends_and_a_paid_invoice_restarts_the_quota() -> None:
    since = NOW - timedelta(days=3, hours=1)
    subscription = Subscription("p1", {"status": "past_due", "pastDueSince": since, "currentPeriodStart": NOW})
    step = subscription.dunning_step(NOW)
    assert step is not None and (step.suspend, step.stage, step.days_left) == (False, 3, 4)
    over = subscription.dunning_step(since + DUNNING_GRACE)
    assert over is not None and over.suspend
    subscription.suspend(since + DUNNING_GRACE)
    assert (subscription.status, subscription.get("aiAccessEnabled")) == ("suspended", False)
    assert subscription.dunning_step(since + DUNNING_GRACE) is None
    subscription.invoice_paid()
    assert subscription.changes["status"] == "active" and subscription.changes["currentPeriodCalls"] == 0
    assert subscription.changes["pastDueSince"] is None and subscription.changes["usagePeriodStart"] == NOW


def test_a_failed_payment_keeps_the_first_failure_and_access() -> None:
    first = NOW - timedelta(days=2)
    subscription = Subscription("p1", {"status": "past_due", "pastDueSince": first})
    subscription.payment_failed(NOW)
    assert subscription.changes == {"status": "past_due", "aiAccessEnabled": True, "pastDueSince": first}
    cancelled = Subscription("p1", {"status": "cancelled"})
    cancelled.payment_failed(NOW)
    assert cancelled.changes == {}


def test_a_server_trial_starts_once_and_ends_at_its_end() -> None:
    subscription = Subscription("p1")
    subscription.start_trial("lawyer", days=30, ai_calls=3, now=NOW)
    assert subscription.is_server_trial and subscription.get("trialEndsAt") == NOW + timedelta(days=30)
    with pytest.raises(FailedPrecondition):
        subscription.start_trial("lawyer", days=30, ai_calls=3, now=NOW)
    assert not subscription.server_trial_over(NOW + timedelta(days=29))
    assert subscription.server_trial_over(NOW + timedelta(days=30))
    subscription.end_trial(NOW + timedelta(days=30))
    assert (subscription.status, subscription.get("aiAccessEnabled")) == ("cancelled", False)
    paid = Subscription("p2", {"status": "trialing", "stripeSubscriptionId": "sub_1", "trialEndsAt": NOW})
    assert not paid.server_trial_over(NOW + timedelta(days=1))


def test_our_suspension_stands_while_stripe_says_past_due() -> None:
    subscription = Subscription("p1", {"status": "suspended"})
    assert subscription.status_at_stripe("past_due") is SubscriptionStatus.SUSPENDED
    assert subscription.status_at_stripe("active") is SubscriptionStatus.ACTIVE


@given(STATUSES, st.sampled_from(["active", "trialing", "past_due", "incomplete", "canceled"]), st.booleans())
def test_the_tracked_subscription_always_takes_over(status: str, stripe_status: str, newer: bool) -> None:
    subscription = Subscription(
        "p1", {"status": status, "stripeSubscriptionId": "sub_1", "stripeSubscriptionCreated": 10}
    )
    assert subscription.takes_over("sub_1", stripe_status, 5)
    other = subscription.takes_over("sub_2", stripe_status, 20 if newer else 5)
    if not newer and stripe_status not in LIVE_STATUSES:
        assert not other
