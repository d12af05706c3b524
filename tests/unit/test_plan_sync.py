import pytest

from shared.kernel.commands import Caller
from shared.kernel.errors import PermissionDenied
from shared.kernel.money import Currency, Money
from shared.subscriptions.domain.plans import PLANS, BillingPeriod
from shared.subscriptions.services.plan_sync import LEGACY_FIELDS, sync_plans_to_stripe
from tests.fakes import FakeBillingGateway, FakeClock, InMemoryStore

ADMIN = Caller("admin1", {"admin": True})


def test_first_run_creates_a_product_and_four_prices_per_plan_then_nothing() -> None:
    store, billing, clock = InMemoryStore(), FakeBillingGateway(), FakeClock()
    first = sync_plans_to_stripe(ADMIN, store=store, billing=billing, clock=clock)
    assert len(first.created) == 32 and not first.in_sync
    doc = store.get("subscription_plans/lawyer_pro")
    assert doc is not None
    # The web app reads stripePriceId[currency] and stripePriceIdAnnual[currency] (seed 004 §3.1).
    assert set(doc["stripePriceId"]) == set(doc["stripePriceIdAnnual"]) == {"EUR", "USD"}
    yearly_eur = billing.prices[doc["stripePriceIdAnnual"]["EUR"]]
    assert yearly_eur.amount == Money(66240, Currency.EUR) and yearly_eur.period is BillingPeriod.YEARLY
    assert billing.prices[doc["stripePriceId"]["USD"]].amount == Money(7900, Currency.USD)
    assert not LEGACY_FIELDS & set(doc)
    created = billing.calls.count("create_price")
    second = sync_plans_to_stripe(ADMIN, store=store, billing=billing, clock=clock)
    assert second.in_sync and second.as_response()["message"] == "in sync"
    assert billing.calls.count("create_price") == created


def test_a_drifted_price_is_replaced_and_the_old_one_archived() -> None:
    store, billing, clock = InMemoryStore(), FakeBillingGateway(), FakeClock()
    sync_plans_to_stripe(ADMIN, store=store, billing=billing, clock=clock)
    old_id = store.get("subscription_plans/lawyer_basic")["stripePriceId"]["EUR"]  # type: ignore[index]
    old = billing.prices[old_id]
    billing.prices[old_id] = type(old)(old.id, old.product_id, Money(1300, Currency.EUR), old.period)
    report = sync_plans_to_stripe(ADMIN, store=store, billing=billing, clock=clock)
    assert report.replaced == ["lawyer_basic/eur/monthly"] and report.archived == [old_id]
    new_id = store.get("subscription_plans/lawyer_basic")["stripePriceId"]["EUR"]  # type: ignore[index]
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


def test_plans_stored_with_flat_fields_are_rewritten_as_maps_without_new_prices() -> None:
    """The migration: a plan document of the earlier layout keeps its Prices, now in the maps,
    and loses the flat fields; what else it holds (a name the web app shows) stays."""
    store, billing, clock = InMemoryStore(), FakeBillingGateway(), FakeClock()
    sync_plans_to_stripe(ADMIN, store=store, billing=billing, clock=clock)
    before = {}
    for plan_id in PLANS:
        path = f"subscription_plans/{plan_id}"
        doc = store.get(path)
        assert doc is not None
        flat = {f"stripePriceId{c}": doc["stripePriceId"][c] for c in ("EUR", "USD")}
        flat |= {f"stripePriceIdAnnual{c}": doc["stripePriceIdAnnual"][c] for c in ("EUR", "USD")}
        rest = {k: v for k, v in doc.items() if k not in ("stripePriceId", "stripePriceIdAnnual")}
        store.set(path, {**rest, **flat, "displayName": plan_id.title()})  # as the old sync left it
        before[plan_id] = flat
    created = billing.calls.count("create_price")
    report = sync_plans_to_stripe(ADMIN, store=store, billing=billing, clock=clock)
    assert report.in_sync and billing.calls.count("create_price") == created
    for plan_id, flat in before.items():
        doc = store.get(f"subscription_plans/{plan_id}")
        assert doc is not None and not LEGACY_FIELDS & set(doc) and doc["displayName"] == plan_id.title()
        assert doc["stripePriceId"] == {"EUR": flat["stripePriceIdEUR"], "USD": flat["stripePriceIdUSD"]}
        annual = {"EUR": flat["stripePriceIdAnnualEUR"], "USD": flat["stripePriceIdAnnualUSD"]}
        assert doc["stripePriceIdAnnual"] == annual
