from datetime import timedelta
from typing import Any

import pytest

from shared.domain.errors import FailedPrecondition, PermissionDenied
from shared.services.commands import Caller, parse_command
from shared.services.subscription_changes import (
    billing_portal_link,
    change_subscription_plan,
    set_cancellation,
    start_trial,
)
from shared.services.subscription_checkout import (
    SubscriptionCheckoutCommand,
    create_subscription,
    create_subscription_checkout,
)
from shared.services.subscription_dunning import end_expired_trials
from tests.unit.test_subscription_checkout import LAWYER, World


def cmd(**data: Any) -> SubscriptionCheckoutCommand:
    return parse_command(
        SubscriptionCheckoutCommand, {"planId": "lawyer_basic", "currency": "eur", "billingPeriod": "monthly", **data}
    )


def subscribed(w: World) -> str:
    created = create_subscription(cmd(), LAWYER, store=w.store, billing=w.billing, clock=w.clock)
    assert created["clientSecret"] and (created["amount"], created["interval"]) == (1400, "month")
    w.store.set(
        "subscriptions/lawyer1",
        {
            "status": "active",
            "stripeSubscriptionId": created["subscriptionId"],
            "currentPeriodEnd": w.clock.now() + timedelta(days=30),
        },
        merge=True,
    )
    return str(created["subscriptionId"])


def test_elements_subscription_carries_the_full_metadata() -> None:
    w = World()
    sub_id = subscribed(w)
    assert w.billing.subscription_metadata[sub_id]["billingPeriod"] == "monthly"
    assert w.store.get(f"stripe_subscription_index/{sub_id}") == {"providerId": "lawyer1"}


def test_upgrade_monthly_basic_to_yearly_pro_is_asked_of_stripe() -> None:  # audit TEST 3
    w = World()
    sub_id = subscribed(w)
    w.billing.invoiced_on_change = 65_100  # Stripe's prorated invoice: the yearly price less the unused month
    result = change_subscription_plan(
        cmd(planId="lawyer_pro", billingPeriod="yearly"), LAWYER, store=w.store, billing=w.billing, clock=w.clock
    )
    assert (result["amount"], result["interval"], result["billingPeriod"]) == (66240, "year", "yearly")
    assert result["amountDueNow"] == 65_100
    assert w.billing.subscriptions[sub_id].price.amount.minor == 66240
    assert w.billing.subscription_metadata[sub_id]["planId"] == "lawyer_pro"
    with pytest.raises(FailedPrecondition, match="already your plan"):
        change_subscription_plan(
            cmd(planId="lawyer_pro", billingPeriod="yearly"), LAWYER, store=w.store, billing=w.billing, clock=w.clock
        )


def test_cancel_then_reactivate() -> None:  # audit TEST 4 (Stripe side)
    w = World()
    sub_id = subscribed(w)
    with pytest.raises(FailedPrecondition, match="no pending cancellation"):
        set_cancellation(LAWYER, False, store=w.store, billing=w.billing, clock=w.clock)
    cancelled = set_cancellation(LAWYER, True, store=w.store, billing=w.billing, clock=w.clock)
    assert cancelled["cancelAtPeriodEnd"] is True and cancelled["accessUntil"] is not None
    w.store.set("subscriptions/lawyer1", {"cancelAtPeriodEnd": True}, merge=True)
    assert (
        set_cancellation(LAWYER, False, store=w.store, billing=w.billing, clock=w.clock)["cancelAtPeriodEnd"] is False
    )
    assert w.billing.subscriptions[sub_id].cancel_at_period_end is False


def test_changes_need_a_live_subscription_and_the_right_kind_of_plan() -> None:
    w = World()
    with pytest.raises(FailedPrecondition, match="subscribe first"):
        set_cancellation(LAWYER, True, store=w.store, billing=w.billing, clock=w.clock)
    subscribed(w)
    with pytest.raises(PermissionDenied):
        change_subscription_plan(
            cmd(planId="expat_aidant_pro"), LAWYER, store=w.store, billing=w.billing, clock=w.clock
        )


def test_portal_link_after_a_customer_exists() -> None:
    w = World()
    with pytest.raises(FailedPrecondition):
        billing_portal_link(LAWYER, "https://app.test", store=w.store, billing=w.billing)
    subscribed(w)
    assert billing_portal_link(LAWYER, "https://app.test", store=w.store, billing=w.billing).startswith("https://")


def test_trial_once_per_provider_then_access_off_at_its_end() -> None:  # I6, I9
    """I6: one trial configuration (settings/subscription, default in SubscriptionSettings);
    I9: the trial is written by the server only (start_trial), once per provider."""
    w = World()
    w.store.set("settings/subscription", {"trialDays": 14, "trialAiCalls": 2})
    result = start_trial(LAWYER, store=w.store, clock=w.clock)
    assert result["aiCallsLimit"] == 2
    sub = w.store.get("subscriptions/lawyer1")
    assert sub is not None and sub["status"] == "trialing" and sub["trialEndsAt"] == w.clock.now() + timedelta(days=14)
    with pytest.raises(FailedPrecondition, match="already used"):
        start_trial(LAWYER, store=w.store, clock=w.clock)
    assert end_expired_trials(store=w.store, clock=w.clock) == []
    w.clock.advance(14 * 86400)
    assert end_expired_trials(store=w.store, clock=w.clock) == ["lawyer1"]
    sub = w.store.get("subscriptions/lawyer1")
    assert sub is not None and (sub["status"], sub["aiAccessEnabled"]) == ("cancelled", False)
    assert [m["template"]["name"] for _, m in w.store.find("mail", [])] == ["subscription_trial_ended"]
    assert end_expired_trials(store=w.store, clock=w.clock) == []
    with pytest.raises(FailedPrecondition, match="already used"):
        start_trial(LAWYER, store=w.store, clock=w.clock)
    with pytest.raises(PermissionDenied):
        start_trial(Caller("client1", {"role": "client"}), store=w.store, clock=w.clock)


def test_a_currency_change_is_refused_before_stripe_is_asked() -> None:
    w = World()
    sub_id = subscribed(w)
    w.store.set("subscriptions/lawyer1", {"currency": "EUR"}, merge=True)
    before = w.billing.subscriptions[sub_id].price.id
    with pytest.raises(FailedPrecondition, match=r"^currency: this subscription is billed in EUR") as refused:
        change_subscription_plan(
            cmd(planId="lawyer_pro", currency="usd"), LAWYER, store=w.store, billing=w.billing, clock=w.clock
        )
    assert refused.value.field == "currency" and w.billing.subscriptions[sub_id].price.id == before


def test_clients_get_permission_denied_not_subscribe_first() -> None:
    w = World()
    client = Caller("client1", {"role": "client"})
    with pytest.raises(PermissionDenied):
        set_cancellation(client, True, store=w.store, billing=w.billing, clock=w.clock)
    with pytest.raises(PermissionDenied):
        billing_portal_link(client, "https://app.test", store=w.store, billing=w.billing)


def test_back_and_forth_changes_each_reach_stripe() -> None:
    """Idempotency keys name the Stripe state a change is asked from: basic -> pro -> basic -> pro
    within the hour are three changes (a key by plan and hour made Stripe replay the first)."""
    w = World()
    sub_id = subscribed(w)
    prices = []
    for n, plan_id in enumerate(["lawyer_pro", "lawyer_basic", "lawyer_pro"], start=1):
        change_subscription_plan(cmd(planId=plan_id), LAWYER, store=w.store, billing=w.billing, clock=w.clock)
        w.store.set("subscriptions/lawyer1", {"lastStripeEventCreated": 1_800_000_000 + n}, merge=True)  # its webhook
        prices.append(w.billing.subscriptions[sub_id].price.id)
    assert prices[0] == prices[2] != prices[1]
    for n, cancel in enumerate((True, False, True), start=10):
        set_cancellation(LAWYER, cancel, store=w.store, billing=w.billing, clock=w.clock)
        w.store.set(
            "subscriptions/lawyer1",
            {"cancelAtPeriodEnd": cancel, "lastStripeEventCreated": 1_800_000_000 + n},
            merge=True,
        )
    assert w.billing.subscriptions[sub_id].cancel_at_period_end is True


def test_a_plan_bought_during_the_server_trial_charges_when_the_trial_ends() -> None:
    w = World()
    w.store.set("settings/subscription", {"trialDays": 14})
    trial = start_trial(LAWYER, store=w.store, clock=w.clock)
    w.clock.advance(3 * 86400)

    # Checkout: Stripe's trial ends with ours, and the answer says when the first charge comes.
    checkout = parse_command(
        SubscriptionCheckoutCommand, {"planId": "lawyer_pro", "currency": "eur", "billingPeriod": "monthly"}
    )
    result = create_subscription_checkout(
        checkout, LAWYER, store=w.store, billing=w.billing, clock=w.clock, return_url="https://app.test/sub"
    )
    ends = w.store.get("subscriptions/lawyer1")["trialEndsAt"]  # type: ignore[index]
    assert w.billing.checkouts[-1].trial_end == ends and result["firstChargeAt"] == trial["trialEndsAt"]

    # Elements: a trialing subscription whose card Stripe.js saves with the SetupIntent.
    created = create_subscription(cmd(planId="lawyer_pro"), LAWYER, store=w.store, billing=w.billing, clock=w.clock)
    assert w.billing.trial_ends[created["subscriptionId"]] == ends
    assert (created["intentType"], created["clientSecret"]) == ("setup", f"seti_{created['subscriptionId']}_secret")
    assert created["firstChargeAt"] == ends.isoformat()


def test_a_server_trial_about_to_end_is_not_carried() -> None:
    w = World()
    w.store.set("settings/subscription", {"trialDays": 14})
    start_trial(LAWYER, store=w.store, clock=w.clock)
    w.clock.advance(13 * 86400)  # one day left: Stripe wants 48 hours; the plan is charged now
    created = create_subscription(cmd(), LAWYER, store=w.store, billing=w.billing, clock=w.clock)
    assert w.billing.trial_ends[created["subscriptionId"]] is None
    assert (created["intentType"], created["firstChargeAt"]) == ("payment", None)


def test_a_paid_subscription_is_not_bought_twice_even_while_trialing_on_stripe() -> None:
    w = World()
    subscribed(w)
    w.store.set("subscriptions/lawyer1", {"status": "trialing"}, merge=True)  # a Stripe trial: it has an id
    with pytest.raises(FailedPrecondition, match="changeSubscriptionPlan"):
        create_subscription(cmd(planId="lawyer_pro"), LAWYER, store=w.store, billing=w.billing, clock=w.clock)
