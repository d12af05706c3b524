"""Plans, billing periods, status and AI quota rules (seed 004: I1, I5, I7 guarded here)."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.kernel.errors import InvalidArgument
from shared.kernel.money import Currency, Money
from shared.subscriptions.domain.dunning import DUNNING_GRACE, dunning_expired
from shared.subscriptions.domain.plans import (
    FAIR_USE_CALLS,
    PLANS,
    BillingPeriod,
    ProviderType,
    Tier,
    annual_minor,
    plan,
)
from shared.subscriptions.domain.quota import QuotaRefusal, quota
from shared.subscriptions.domain.subscription import SubscriptionStatus, ai_access_enabled, is_live

EXPECTED = {  # SPEC §3.2: EUR/mo, USD/mo, EUR/yr, USD/yr, calls
    "lawyer_basic": (1400, 1900, 13440, 18240, 5),
    "lawyer_standard": (3900, 4900, 37440, 47040, 15),
    "lawyer_pro": (6900, 7900, 66240, 75840, 30),
    "lawyer_unlimited": (11900, 13900, 114240, 133440, 500),
    "expat_aidant_basic": (900, 900, 8640, 8640, 5),
    "expat_aidant_standard": (1400, 1700, 13440, 16320, 15),
    "expat_aidant_pro": (2400, 2900, 23040, 27840, 30),
    "expat_aidant_unlimited": (3900, 4900, 37440, 47040, 500),
}


@pytest.mark.parametrize("plan_id", sorted(EXPECTED))
def test_the_eight_plans_and_their_four_prices(plan_id: str) -> None:
    eur_m, usd_m, eur_y, usd_y, calls = EXPECTED[plan_id]
    p = plan(plan_id)
    assert p.price(Currency.EUR, BillingPeriod.MONTHLY) == Money(eur_m, Currency.EUR)
    assert p.price(Currency.USD, BillingPeriod.MONTHLY) == Money(usd_m, Currency.USD)
    assert p.price(Currency.EUR, BillingPeriod.YEARLY) == Money(eur_y, Currency.EUR)
    assert p.price(Currency.USD, BillingPeriod.YEARLY) == Money(usd_y, Currency.USD)
    assert p.ai_calls_limit == calls
    assert p.provider_type is (ProviderType.LAWYER if plan_id.startswith("lawyer") else ProviderType.EXPAT_AIDANT)
    doc = p.to_document()
    assert doc["pricing"]["EUR"] == {"monthly": eur_m, "yearly": eur_y}
    assert doc["aiCallsLimit"] == (-1 if p.tier is Tier.UNLIMITED else calls)


def test_unlimited_means_fair_use() -> None:
    assert {p.ai_calls_limit for p in PLANS.values() if p.tier is Tier.UNLIMITED} == {FAIR_USE_CALLS}


@given(st.integers(min_value=0, max_value=10**7).map(lambda x: x * 5))
def test_annual_price_is_exact_integer_cents(monthly: int) -> None:
    assert annual_minor(monthly) * 100 == monthly * 12 * 80


def test_unknown_plan_and_billing_period_are_named() -> None:
    with pytest.raises(InvalidArgument) as err:
        plan("gold")
    assert err.value.field == "planId"
    with pytest.raises(InvalidArgument, match="required"):  # I1: no silent monthly default
        BillingPeriod.parse(None)
    with pytest.raises(InvalidArgument):
        BillingPeriod.parse("annual")


def test_billing_period_comes_from_the_stripe_interval() -> None:  # I5
    assert BillingPeriod.of_interval("year") is BillingPeriod.YEARLY
    assert BillingPeriod.of_interval("month") is BillingPeriod.MONTHLY
    with pytest.raises(ValueError):
        BillingPeriod.of_interval("week")


def test_status_mapping_and_access() -> None:
    assert SubscriptionStatus.of_stripe("canceled") is SubscriptionStatus.CANCELLED
    assert SubscriptionStatus.of_stripe("unpaid") is SubscriptionStatus.SUSPENDED
    assert SubscriptionStatus.of_stripe("weird") is SubscriptionStatus.INCOMPLETE
    assert [s for s in SubscriptionStatus if ai_access_enabled(s)] == [
        SubscriptionStatus.TRIALING,
        SubscriptionStatus.ACTIVE,
        SubscriptionStatus.PAST_DUE,
    ]


def test_stripe_statuses_are_live_by_the_same_set_as_stored_ones() -> None:
    live_at_stripe = ["active", "trialing", "past_due"]
    others = ["unpaid", "canceled", "incomplete", "incomplete_expired", "paused", "suspended", "cancelled", None, 3]
    assert all(is_live(s) for s in live_at_stripe) and not any(is_live(s) for s in others)
    assert all(is_live(SubscriptionStatus.of_stripe(s)) for s in live_at_stripe)


def test_dunning_grace_is_seven_days() -> None:
    since = datetime(2026, 11, 1, tzinfo=UTC)
    assert not dunning_expired(since, since + DUNNING_GRACE - timedelta(seconds=1))
    assert dunning_expired(since, since + timedelta(days=7))
    assert not dunning_expired(None, since)


def test_quota_counts_only_the_current_period() -> None:  # I7: the counter is currentPeriodCalls
    period = datetime(2026, 11, 1, tzinfo=UTC)
    sub = {
        "aiAccessEnabled": True,
        "aiCallsLimit": 5,
        "currentPeriodStart": period,
        "usagePeriodStart": period,
        "currentPeriodCalls": 4,
    }
    assert quota(sub).allowed and quota(sub).remaining == 1
    assert quota({**sub, "currentPeriodCalls": 5}).reason is QuotaRefusal.QUOTA_EXHAUSTED
    renewed = {**sub, "currentPeriodCalls": 5, "currentPeriodStart": period + timedelta(days=30)}
    assert quota(renewed).allowed and quota(renewed).used == 0
    assert quota({**sub, "aiAccessEnabled": False}).reason is QuotaRefusal.NO_ACCESS
    assert quota(None).reason is QuotaRefusal.NO_SUBSCRIPTION
