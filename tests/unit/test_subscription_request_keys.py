"""Issue 9 item 7: a subscription call retried after a Stripe 5xx uses a new idempotency key.

Stripe saves the answer of a key for 24 h, a 5xx included, and replays it; the gateway here does
the same, so a retry under the old key would meet the same 5xx again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from shared.kernel.commands import parse_command
from shared.kernel.errors import PaymentGatewayError
from shared.kernel.idempotency import attempt_key, call_with_key
from shared.subscriptions.ports.billing import (
    CheckoutRequest,
    CheckoutSession,
    PlanChange,
    StripeSubscription,
    SubscriptionRequest,
)
from shared.subscriptions.services.changes import PlanChangeCommand, RequestIdCommand, change_subscription_plan
from shared.subscriptions.services.changes import set_cancellation as set_cancellation_at_stripe
from shared.subscriptions.services.checkout import create_subscription, create_subscription_checkout
from tests.fakes import FakeBillingGateway
from tests.unit.test_subscription_checkout import LAWYER, World


class ReplayingBilling(FakeBillingGateway):
    """Stripe's idempotency: the first answer of a key (an error included) is the answer again."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: list[str] = []
        self.saved_errors: dict[str, PaymentGatewayError] = {}
        self.fail: dict[str, PaymentGatewayError] = {}  # by operation: its next call fails so

    def _keyed(self, operation: str, key: str) -> None:
        self.keys.append(key)
        if key in self.saved_errors:
            raise self.saved_errors[key]
        error = self.fail.pop(operation, None)
        if error is not None:
            if error.retryable:  # a 5xx is saved under its key; a parameter error (4xx) is not
                self.saved_errors[key] = error
            raise error

    def create_checkout_session(self, request: CheckoutRequest) -> CheckoutSession:
        self._keyed("checkout", request.idempotency_key)
        return super().create_checkout_session(request)

    def create_subscription(self, request: SubscriptionRequest) -> StripeSubscription:
        self._keyed("create", request.idempotency_key)
        return super().create_subscription(request)

    def cancel_subscription(self, subscription_id: str, idempotency_key: str) -> StripeSubscription:
        self._keyed("cancel-incomplete", idempotency_key)
        return super().cancel_subscription(subscription_id, idempotency_key)

    def change_price(
        self, subscription: StripeSubscription, price_id: str, metadata: dict[str, str], idempotency_key: str
    ) -> PlanChange:
        self._keyed("change", idempotency_key)
        return super().change_price(subscription, price_id, metadata, idempotency_key)

    def set_cancel_at_period_end(self, subscription_id: str, cancel: bool, idempotency_key: str) -> StripeSubscription:
        self._keyed("cancel", idempotency_key)
        return super().set_cancel_at_period_end(subscription_id, cancel, idempotency_key)


def server_error(operation: str) -> PaymentGatewayError:
    return PaymentGatewayError(f"{operation}: An error occurred with our API", retryable=True)


def world() -> tuple[World, ReplayingBilling]:
    w = World()
    billing = ReplayingBilling()
    billing.prices, billing.products = w.billing.prices, w.billing.products
    w.billing = billing
    return w, billing


def basic(**data: Any) -> PlanChangeCommand:
    return parse_command(
        PlanChangeCommand, {"planId": "lawyer_basic", "currency": "eur", "billingPeriod": "monthly", **data}
    )


def subscribed(w: World) -> str:
    created = create_subscription(basic(), LAWYER, store=w.store, billing=w.billing, clock=w.clock)
    w.billing.subscriptions[created["subscriptionId"]] = StripeSubscription(
        created["subscriptionId"], "active", "si_1", w.billing.subscriptions[created["subscriptionId"]].price, False
    )
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


def test_a_plan_change_retried_after_a_5xx_under_the_same_request_id_goes_through() -> None:
    w, billing = world()
    sub_id = subscribed(w)
    billing.fail["change"] = server_error("subscriptions.update")
    pro = basic(planId="lawyer_pro", requestId="tap-1")
    with pytest.raises(PaymentGatewayError):
        change_subscription_plan(pro, LAWYER, store=w.store, billing=billing, clock=w.clock)
    changed = change_subscription_plan(pro, LAWYER, store=w.store, billing=billing, clock=w.clock)
    assert changed["planId"] == "lawyer_pro" and billing.subscriptions[sub_id].price.product_id == "prod_lawyer_pro"
    first, retry = [k for k in billing.keys if k.startswith("change:")]
    assert retry == f"{first}:a1"


@pytest.mark.parametrize("request_id", ["tap-7", None])
def test_a_cancel_retried_after_a_5xx_goes_through_once(request_id: str | None) -> None:
    w, billing = world()
    sub_id = subscribed(w)
    billing.fail["cancel"] = server_error("subscriptions.update")
    request = RequestIdCommand(requestId=request_id)
    with pytest.raises(PaymentGatewayError):
        set_cancellation_at_stripe(LAWYER, True, store=w.store, billing=billing, clock=w.clock, request=request)
    done = set_cancellation_at_stripe(LAWYER, True, store=w.store, billing=billing, clock=w.clock, request=request)
    assert done["cancelAtPeriodEnd"] is True and billing.subscriptions[sub_id].cancel_at_period_end is True
    first, retry = [k for k in billing.keys if k.startswith("cancel:")]
    assert retry != first and retry not in billing.saved_errors
    if request_id is not None:  # the same tap again: Stripe replays its answer, nothing new
        again = set_cancellation_at_stripe(LAWYER, True, store=w.store, billing=billing, clock=w.clock, request=request)
        assert again["cancelAtPeriodEnd"] is True and billing.keys[-1] == retry


def test_a_checkout_retried_after_a_5xx_gets_a_session() -> None:
    w, billing = world()
    billing.fail["checkout"] = server_error("checkout.sessions.create")
    with pytest.raises(PaymentGatewayError):
        w.checkout()
    assert w.checkout()["url"].startswith("https://checkout.local/")
    first, retry = billing.keys
    assert first != retry
    assert (w.store.get("subscription_purchases/lawyer1") or {}).get("holder") is None  # the slot is free


def test_an_elements_purchase_retried_after_a_5xx_is_created() -> None:
    w, billing = world()
    billing.fail["create"] = server_error("subscriptions.create")
    with pytest.raises(PaymentGatewayError):
        create_subscription(basic(), LAWYER, store=w.store, billing=billing, clock=w.clock)
    assert w.store.get("stripe_subscription_index/sub_1") is None  # nothing recorded for it
    created = create_subscription(basic(), LAWYER, store=w.store, billing=billing, clock=w.clock)
    assert created["status"] == "incomplete" and len(set(billing.keys)) == 2


def test_a_stale_incomplete_cancel_that_met_a_5xx_does_not_block_the_next_purchase() -> None:
    w, billing = world()
    abandoned = create_subscription(basic(), LAWYER, store=w.store, billing=billing, clock=w.clock)
    billing.fail["cancel-incomplete"] = server_error("subscriptions.cancel")
    with pytest.raises(PaymentGatewayError):
        create_subscription_checkout(
            basic(), LAWYER, store=w.store, billing=billing, clock=w.clock, return_url="https://app.test"
        )
    create_subscription_checkout(
        basic(), LAWYER, store=w.store, billing=billing, clock=w.clock, return_url="https://app.test"
    )
    assert billing.subscriptions[abandoned["subscriptionId"]].status == "canceled"
    cancels = [k for k in billing.keys if k.startswith("cancel-incomplete:")]
    assert len(cancels) == 2 and cancels[0] != cancels[1]


def test_a_refusal_keeps_its_key_and_each_outage_spends_one() -> None:
    w, _ = world()
    keys: list[str] = []

    def refused(key: str) -> None:
        keys.append(key)
        raise PaymentGatewayError("subscriptions.update: No such price", retryable=False)

    def outage(key: str) -> None:
        keys.append(key)
        raise server_error("subscriptions.update")

    for call in (refused, outage, outage, refused):
        with pytest.raises(PaymentGatewayError):
            call_with_key(w.store, "cancel:sub_9:req:x", call)
    assert keys == ["cancel:sub_9:req:x", "cancel:sub_9:req:x", "cancel:sub_9:req:x:a1", "cancel:sub_9:req:x:a2"]
    assert attempt_key(w.store, "cancel:sub_9:req:x") == "cancel:sub_9:req:x:a2"


class ReplayingCustomers(ReplayingBilling):
    def create_customer(self, user_id: str, email: str | None, idempotency_key: str) -> str:
        self._keyed("customer", idempotency_key)
        return super().create_customer(user_id, email, idempotency_key)


def test_a_customer_creation_retried_after_a_stripe_5xx_uses_the_next_key() -> None:
    from shared.subscriptions.services.stripe_customers import ensure_customer
    from tests.fakes import FakeClock, InMemoryStore

    store, clock, billing = InMemoryStore(), FakeClock(), ReplayingCustomers()
    billing.fail["customer"] = PaymentGatewayError("stripe 500", retryable=True)
    with pytest.raises(PaymentGatewayError):
        ensure_customer("lawyer1", "l@x.test", store=store, billing=billing, clock=clock)
    # The reservation is let go at once: the retry neither waits nor meets the saved 5xx.
    customer = ensure_customer("lawyer1", "l@x.test", store=store, billing=billing, clock=clock)
    assert billing.keys == ["customer:lawyer1", "customer:lawyer1:a1"]
    assert (store.get("users/lawyer1") or {})["stripeCustomerId"] == customer
    assert ensure_customer("lawyer1", "l@x.test", store=store, billing=billing, clock=clock) == customer
