import pytest

from shared.domain.errors import PermissionDenied
from shared.domain.money import Currency, Money
from shared.domain.subscription_plans import PLANS, BillingPeriod
from shared.services.commands import Caller
from shared.services.plan_sync import price_field, sync_plans_to_stripe
from tests.fakes import FakeBillingGateway, FakeClock, InMemoryStore

ADMIN = Caller("admin1", {"admin": True})


def test_first_run_creates_a_product_and_four_prices_per_plan_then_nothing() -> None:
    store, billing, clock = InMemoryStore(), FakeBillingGateway(), FakeClock()
    first = sync_plans_to_stripe(ADMIN, store=store, billing=billing, clock=clock)
    assert len(first.created) == 32 and not first.in_sync
    doc = store.get("subscription_plans/lawyer_pro")
    assert doc is not None
    yearly_eur = billing.prices[doc["stripePriceIdAnnualEUR"]]
    assert yearly_eur.amount == Money(66240, Currency.EUR) and yearly_eur.period is BillingPeriod.YEARLY
    assert billing.prices[doc["stripePriceIdUSD"]].amount == Money(7900, Currency.USD)
    created = billing.calls.count("create_price")
    second = sync_plans_to_stripe(ADMIN, store=store, billing=billing, clock=clock)
    assert second.in_sync and second.as_response()["message"] == "in sync"
    assert billing.calls.count("create_price") == created


def test_a_drifted_price_is_replaced_and_the_old_one_archived() -> None:
    store, billing, clock = InMemoryStore(), FakeBillingGateway(), FakeClock()
    sync_plans_to_stripe(ADMIN, store=store, billing=billing, clock=clock)
    field = price_field(Currency.EUR, BillingPeriod.MONTHLY)
    old_id = store.get("subscription_plans/lawyer_basic")[field]  # type: ignore[index]
    old = billing.prices[old_id]
    billing.prices[old_id] = type(old)(old.id, old.product_id, Money(1300, Currency.EUR), old.period)
    report = sync_plans_to_stripe(ADMIN, store=store, billing=billing, clock=clock)
    assert report.replaced == ["lawyer_basic/eur/monthly"] and report.archived == [old_id]
    new_id = store.get("subscription_plans/lawyer_basic")[field]  # type: ignore[index]
    assert new_id != old_id and billing.prices[new_id].amount == Money(1400, Currency.EUR)
    assert billing.prices[old_id].active is False


def test_admins_only() -> None:
    with pytest.raises(PermissionDenied):
        sync_plans_to_stripe(
            Caller("u", {"role": "lawyer"}), store=InMemoryStore(), billing=FakeBillingGateway(), clock=FakeClock()
        )


def test_plan_documents_carry_the_catalogue() -> None:
    store, billing = InMemoryStore(), FakeBillingGateway()
    sync_plans_to_stripe(ADMIN, store=store, billing=billing, clock=FakeClock())
    for plan_id in PLANS:
        doc = store.get(f"subscription_plans/{plan_id}")
        assert doc is not None and doc["planId"] == plan_id and doc["stripeProductId"] == f"prod_{plan_id}"
