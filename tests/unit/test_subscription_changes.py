import threading
from datetime import timedelta
from typing import Any

import pytest
from firebase_functions import https_fn

from shared.entry.callables import run_callable
from shared.kernel.commands import Caller, parse_command
from shared.kernel.errors import Aborted, FailedPrecondition, InvalidArgument, PermissionDenied
from shared.kernel.money import Currency, Money
from shared.subscriptions.ports.billing import PlanChange
from shared.subscriptions.services.changes import (
    PlanChangeCommand,
    RequestIdCommand,
    billing_portal_link,
    change_subscription_plan,
    set_cancellation,
    start_trial,
)
from shared.subscriptions.services.checkout import (
    SubscriptionCheckoutCommand,
    create_subscription,
    create_subscription_checkout,
)
from shared.subscriptions.services.dunning import end_expired_trials
from shared.subscriptions.services.outage import unavailable_on_outage
from shared.subscriptions.services.purchases import purchase_in_flight
from tests.unit.test_subscription_checkout import LAWYER, World


def cmd(**data: Any) -> PlanChangeCommand:
    return parse_command(
        PlanChangeCommand, {"planId": "lawyer_basic", "currency": "eur", "billingPeriod": "monthly", **data}
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
    """basic -> pro -> basic -> pro within the hour are three changes (a key by plan and hour
    made Stripe replay the first)."""
    w = World()
    sub_id = subscribed(w)
    prices = []
    for plan_id in ["lawyer_pro", "lawyer_basic", "lawyer_pro"]:
        change_subscription_plan(cmd(planId=plan_id), LAWYER, store=w.store, billing=w.billing, clock=w.clock)
        prices.append(w.billing.subscriptions[sub_id].price.id)
    assert prices[0] == prices[2] != prices[1]


def test_cancel_reactivate_cancel_before_any_webhook_ends_cancelling() -> None:
    """Keys come from the request, not from the last applied event: with no webhook in between,
    a key from the event made the second cancel reuse the first's and Stripe replayed it."""
    w = World()
    sub_id = subscribed(w)
    answers = [
        set_cancellation(LAWYER, cancel, store=w.store, billing=w.billing, clock=w.clock)["cancelAtPeriodEnd"]
        for cancel in (True, False, True)
    ]
    assert answers == [True, False, True]
    assert w.billing.subscriptions[sub_id].cancel_at_period_end is True
    assert len(set(w.billing.replies)) == 3  # three requests, three keys


def test_a_client_request_id_makes_a_retry_one_change() -> None:
    w = World()
    subscribed(w)
    retry = RequestIdCommand(requestId="tap-1")
    for _ in range(2):
        set_cancellation(LAWYER, True, store=w.store, billing=w.billing, clock=w.clock, request=retry)
    assert list(w.billing.replies) == ["cancel:sub_1:req:tap-1"]
    with pytest.raises(InvalidArgument, match=r"^requestId:"):
        parse_command(RequestIdCommand, {"requestId": "a b"})


def test_an_answer_that_is_not_what_was_asked_fails_clearly() -> None:
    """Stripe replaying an older answer (a reused key) must not pass for the change asked."""
    w = World()
    sub_id = subscribed(w)
    stale = w.billing.subscriptions[sub_id]
    w.billing.replies["cancel:sub_1:req:r1"] = stale  # what Stripe saved for this key: not cancelling
    with pytest.raises(Aborted, match="cancel_at_period_end=False"):
        set_cancellation(
            LAWYER, True, store=w.store, billing=w.billing, clock=w.clock, request=RequestIdCommand(requestId="r1")
        )
    pro = w.store.get("subscription_plans/lawyer_pro")["stripePriceId"]["EUR"]  # type: ignore[index]
    w.billing.change_replies[f"change:sub_1:{pro}:req:r2"] = PlanChange(stale, Money(0, Currency.EUR))
    with pytest.raises(Aborted, match="not the plan asked for"):
        change_subscription_plan(
            cmd(planId="lawyer_pro", requestId="r2"), LAWYER, store=w.store, billing=w.billing, clock=w.clock
        )


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


def test_a_server_trial_with_under_49_hours_left_is_not_carried() -> None:
    """A margin over Stripe Checkout's 48 h minimum: 48 h 30 min left is charged now."""
    w = World()
    w.store.set("settings/subscription", {"trialDays": 14})
    start_trial(LAWYER, store=w.store, clock=w.clock)
    w.clock.advance(14 * 86400 - (48 * 3600 + 1800))
    created = create_subscription(cmd(), LAWYER, store=w.store, billing=w.billing, clock=w.clock)
    assert w.billing.trial_ends[created["subscriptionId"]] is None and created["firstChargeAt"] is None


def test_elements_answers_the_confirmation_secret_and_the_payment_intent() -> None:
    w = World()
    created = create_subscription(cmd(), LAWYER, store=w.store, billing=w.billing, clock=w.clock)
    sub_id = created["subscriptionId"]
    assert (created["intentType"], created["clientSecret"], created["paymentIntentId"]) == (
        "payment",
        f"pi_{sub_id}_secret",
        f"pi_{sub_id}",
    )


def test_one_purchase_in_flight_per_provider() -> None:
    w = World()
    with purchase_in_flight("lawyer1", store=w.store, clock=w.clock):
        with pytest.raises(Aborted, match="already in progress"):
            create_subscription(cmd(), LAWYER, store=w.store, billing=w.billing, clock=w.clock)
        with pytest.raises(Aborted):
            create_subscription_checkout(
                cmd(), LAWYER, store=w.store, billing=w.billing, clock=w.clock, return_url="https://app.test"
            )
    assert "create_subscription" not in w.billing.calls and w.billing.checkouts == []
    create_subscription(cmd(), LAWYER, store=w.store, billing=w.billing, clock=w.clock)  # released
    with purchase_in_flight("lawyer1", store=w.store, clock=w.clock):
        w.clock.advance(61)  # a request that died: its lease runs out
        create_subscription(cmd(), LAWYER, store=w.store, billing=w.billing, clock=w.clock)


def test_racing_purchases_create_one_subscription() -> None:
    w = World()
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def buy() -> None:
        barrier.wait()
        try:
            create_subscription(cmd(), LAWYER, store=w.store, billing=w.billing, clock=w.clock)
            outcomes.append("created")
        except Aborted:
            outcomes.append("aborted")

    threads = [threading.Thread(target=buy) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    live = [s for s in w.billing.subscriptions.values() if s.status == "incomplete"]
    assert outcomes.count("created") >= 1 and len(live) == 1


def test_a_new_purchase_cancels_the_abandoned_incomplete_subscription() -> None:
    w = World()
    abandoned = create_subscription(cmd(), LAWYER, store=w.store, billing=w.billing, clock=w.clock)
    again = create_subscription(cmd(planId="lawyer_pro"), LAWYER, store=w.store, billing=w.billing, clock=w.clock)
    assert w.billing.subscriptions[abandoned["subscriptionId"]].status == "canceled"
    assert w.billing.subscriptions[again["subscriptionId"]].status == "incomplete"
    assert again["subscriptionId"] != abandoned["subscriptionId"]
    create_subscription_checkout(
        cmd(), LAWYER, store=w.store, billing=w.billing, clock=w.clock, return_url="https://app.test"
    )
    assert w.billing.subscriptions[again["subscriptionId"]].status == "canceled"
    assert w.store.get("subscription_purchases/lawyer1")["purchases"] == 3  # type: ignore[index]


@pytest.mark.parametrize("action", ["create", "change", "cancel", "reactivate"])
def test_a_stripe_outage_answers_unavailable_with_a_retry_hint(action: str) -> None:  # issue 9 item 7
    w = World()
    if action != "create":
        subscribed(w)
        w.store.set("subscriptions/lawyer1", {"cancelAtPeriodEnd": True}, merge=True)
    w.billing.fail_next_call = True

    def service(caller: Caller | None, data: Any) -> Any:
        if action == "create":
            return create_subscription(cmd(), caller, store=w.store, billing=w.billing, clock=w.clock)
        if action == "change":
            return change_subscription_plan(
                cmd(planId="lawyer_pro"), caller, store=w.store, billing=w.billing, clock=w.clock
            )
        return set_cancellation(caller, action == "cancel", store=w.store, billing=w.billing, clock=w.clock)

    auth = https_fn.AuthData(uid="lawyer1", token={"role": "lawyer"})
    request: https_fn.CallableRequest[Any] = https_fn.CallableRequest(data={}, raw_request=None, auth=auth)  # type: ignore[arg-type]
    with pytest.raises(https_fn.HttpsError) as raised:
        run_callable(request, unavailable_on_outage(service))
    assert raised.value.code is https_fn.FunctionsErrorCode.UNAVAILABLE
    assert "retry" in raised.value.message
