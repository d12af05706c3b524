import threading
from typing import Any

import pytest

from shared.kernel.commands import Caller, parse_command
from shared.kernel.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from shared.subscriptions.services.checkout import SubscriptionCheckoutCommand, create_subscription_checkout
from shared.subscriptions.services.plan_sync import sync_plans_to_stripe
from shared.subscriptions.services.stripe_customers import ensure_customer
from tests.fakes import FakeBillingGateway, FakeClock, InMemoryStore

LAWYER = Caller("lawyer1", {"role": "lawyer"})


class World:
    def __init__(self) -> None:
        self.store, self.billing, self.clock = InMemoryStore(), FakeBillingGateway(), FakeClock()
        sync_plans_to_stripe(Caller("admin", {"admin": True}), store=self.store, billing=self.billing, clock=self.clock)
        self.store.set("sos_profiles/lawyer1", {"type": "lawyer"})
        self.store.set("sos_profiles/lawyer1/private/account", {"email": "l@x.test"})

    def checkout(self, caller: Caller = LAWYER, **data: Any) -> dict[str, Any]:
        cmd = parse_command(
            SubscriptionCheckoutCommand, {"planId": "lawyer_pro", "currency": "eur", "billingPeriod": "yearly", **data}
        )
        return create_subscription_checkout(
            cmd, caller, store=self.store, billing=self.billing, clock=self.clock, return_url="https://app.test/sub"
        )


def test_yearly_pro_checkout_states_what_stripe_will_charge() -> None:  # audit TEST 2, I1/I2
    w = World()
    result = w.checkout()
    assert (result["amount"], result["currency"], result["interval"], result["billingPeriod"]) == (
        66240,
        "EUR",
        "year",
        "yearly",
    )
    [request] = w.billing.checkouts
    assert request.metadata == {
        "providerId": "lawyer1",
        "planId": "lawyer_pro",
        "providerType": "lawyer",
        "billingPeriod": "yearly",
        "currency": "EUR",
    }
    assert w.billing.prices[request.price_id].amount.minor == 66240


def test_monthly_basic_usd() -> None:  # audit TEST 1
    result = World().checkout(planId="lawyer_basic", currency="usd", billingPeriod="monthly")
    assert (result["amount"], result["interval"]) == (1900, "month")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"billingPeriod": None}, "billingPeriod"),
        ({"billingPeriod": "weekly"}, "billingPeriod"),
        ({"planId": "gold"}, "planId"),
        ({"currency": "gbp"}, "currency"),
    ],
)
def test_bad_input_is_named(data: dict[str, Any], field: str) -> None:
    w = World()
    with pytest.raises(InvalidArgument) as err:
        w.checkout(**data)
    assert err.value.field == field
    assert w.billing.checkouts == [] and w.billing.customers == {}


def test_providers_only_and_their_own_kind_of_plan() -> None:
    w = World()
    with pytest.raises(PermissionDenied, match="lawyer plans"):
        w.checkout(planId="expat_aidant_pro")
    with pytest.raises(PermissionDenied):
        w.checkout(caller=Caller("client1", {"role": "client"}))


def test_provider_found_in_users_or_providers_when_no_sos_profile() -> None:  # I4
    w = World()
    w.store.set("users/exp1", {"role": "expat", "email": "e@x.test"})
    assert w.checkout(caller=Caller("exp1", {"role": "expat"}), planId="expat_aidant_basic")["amount"] == 8640
    w.store.set("providers/exp2", {"type": "expat"})
    assert w.checkout(caller=Caller("exp2", {"role": "expat"}), planId="expat_aidant_basic")["amount"] == 8640


def test_an_active_subscription_must_change_plan_instead() -> None:
    w = World()
    w.store.set("subscriptions/lawyer1", {"status": "active"})
    with pytest.raises(FailedPrecondition, match="changeSubscriptionPlan"):
        w.checkout()


def test_unsynced_plans_are_not_for_sale() -> None:
    w = World()
    w.store.set("subscription_plans/lawyer_pro", {"stripePriceIdAnnual": {"USD": "price_x"}}, merge=True)
    with pytest.raises(FailedPrecondition, match="not synced"):
        w.checkout()


def test_one_stripe_customer_per_user_even_when_first_calls_race() -> None:
    w = World()
    ids: list[str] = []
    barrier = threading.Barrier(10)

    def run() -> None:
        barrier.wait()
        ids.append(ensure_customer("lawyer1", "l@x.test", store=w.store, billing=w.billing, clock=w.clock))

    threads = [threading.Thread(target=run) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(w.billing.customers) == 1 and set(ids) == set(w.billing.customers)
    assert w.store.get("users/lawyer1")["stripeCustomerId"] in w.billing.customers  # type: ignore[index]
    w.checkout()
    w.store.set("subscriptions/lawyer1", {"status": "cancelled"})
    w.checkout(planId="lawyer_basic", billingPeriod="monthly")
    assert len(w.billing.customers) == 1


def test_the_price_is_read_from_the_currency_maps() -> None:  # seed 004 §3.1
    w = World()
    plan_doc = w.store.get("subscription_plans/lawyer_pro")
    assert plan_doc is not None
    usd_yearly = plan_doc["stripePriceIdAnnual"]["USD"]
    assert w.checkout(currency="usd")["amount"] == 75840
    assert w.billing.checkouts[-1].price_id == usd_yearly
