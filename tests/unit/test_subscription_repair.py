import pytest

from shared.kernel.commands import Caller
from shared.kernel.errors import InvalidArgument, PermissionDenied
from shared.subscriptions.services.repair import repair_billing_periods
from tests.unit.test_subscription_changes import subscribed
from tests.unit.test_subscription_checkout import World

ADMIN = Caller("admin", {"admin": True})


def test_dry_run_reports_then_repair_fixes_missing_or_wrong_periods() -> None:
    w = World()
    subscribed(w)  # a monthly basic in Stripe
    w.store.set("subscriptions/lawyer1", {"billingPeriod": "yearly"}, merge=True)
    w.store.set("subscriptions/other", {"status": "active", "stripeSubscriptionId": "sub_1"})  # period missing
    report = repair_billing_periods(ADMIN, {}, store=w.store, billing=w.billing, clock=w.clock)
    assert report["dryRun"] is True
    assert sorted((c["providerId"], c["from"], c["to"]) for c in report["changes"]) == [
        ("lawyer1", "yearly", "monthly"),
        ("other", None, "monthly"),
    ]
    assert w.store.get("subscriptions/lawyer1")["billingPeriod"] == "yearly"  # type: ignore[index]
    fixed = repair_billing_periods(ADMIN, {"dryRun": False}, store=w.store, billing=w.billing, clock=w.clock)
    assert len(fixed["changes"]) == 2
    assert w.store.get("subscriptions/lawyer1")["billingPeriod"] == "monthly"  # type: ignore[index]
    assert repair_billing_periods(ADMIN, {}, store=w.store, billing=w.billing, clock=w.clock)["changes"] == []


def test_admins_only_and_dry_run_must_be_boolean() -> None:
    w = World()
    with pytest.raises(PermissionDenied):
        repair_billing_periods(Caller("u", {}), {}, store=w.store, billing=w.billing, clock=w.clock)
    with pytest.raises(InvalidArgument):
        repair_billing_periods(ADMIN, {"dryRun": "no"}, store=w.store, billing=w.billing, clock=w.clock)


@pytest.mark.parametrize("data", ["false", [False], 0, False])
def test_data_that_is_not_an_object_applies_nothing(data: object) -> None:
    w = World()
    subscribed(w)
    w.store.set("subscriptions/lawyer1", {"billingPeriod": "yearly"}, merge=True)
    with pytest.raises(InvalidArgument, match=r"^data: must be an object"):
        repair_billing_periods(ADMIN, data, store=w.store, billing=w.billing, clock=w.clock)
    assert w.store.get("subscriptions/lawyer1")["billingPeriod"] == "yearly"  # type: ignore[index]
