"""Issue 9 item 7 over HTTP: Stripe answers 500/503 to a subscription call; the callable answers
UNAVAILABLE with a retry hint, leaves nothing a retry would trip on, and the retry goes through
(under a new idempotency key where the local Stripe saved the 5xx under the old one)."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.e2e.conftest import STRIPE, CallResult, WebApp, confirm_card
from tests.e2e.subscribing import (
    SK,
    WEST3,
    new_subscriber,
    plans_synced,
    start_checkout,
    stripe_get,
    stripe_webhooks_delivered,
    subscription,
)

pytestmark = pytest.mark.e2e
BASIC = {"planId": "lawyer_basic", "currency": "eur", "billingPeriod": "monthly"}


def stripe_fails_next(path: str, status: int) -> None:
    """The local Stripe answers `status` to the next POST on `path`, doing nothing."""
    fault: dict[str, Any] = {"path": path, "status": status, "times": 1, "method": "POST"}
    requests.post(f"{STRIPE}/_test/faults", json=fault, auth=SK, timeout=10).raise_for_status()


def faults_armed() -> list[dict[str, Any]]:
    armed: list[dict[str, Any]] = requests.get(f"{STRIPE}/_test/faults", auth=SK, timeout=10).json()["data"]
    return armed


def assert_unavailable(answer: CallResult) -> None:
    assert answer.status == 503 and answer.error_status == "UNAVAILABLE", answer.body
    assert "retry" in answer.error_message
    assert faults_armed() == []  # the fault was met by the call, not left for the retry


def purchase_slot(db: Any, uid: str) -> dict[str, Any]:
    return db.document(f"subscription_purchases/{uid}").get().to_dict() or {}


def test_an_outage_on_purchase_answers_unavailable_and_the_retry_buys(web: WebApp, db: Any) -> None:
    plans_synced(web)
    lawyer = new_subscriber(web, db, "lawyer")
    stripe_fails_next("/v1/subscriptions", 500)
    assert_unavailable(web.call(WEST3, "createSubscription", BASIC, lawyer))
    assert purchase_slot(db, lawyer.uid).get("holder") is None  # the purchase slot is free again
    assert db.document(f"subscriptions/{lawyer.uid}").get().to_dict() is None

    created = web.call(WEST3, "createSubscription", BASIC, lawyer)
    assert created.status == 200, created.body
    assert created.result["intentType"] == "payment" and created.result["paymentIntentId"]
    assert confirm_card(created.result["paymentIntentId"], created.result["clientSecret"])["status"] == "succeeded"
    subscription(db, lawyer.uid, status="active", stripeSubscriptionId=created.result["subscriptionId"])

    helper = new_subscriber(web, db, "expat")
    stripe_fails_next("/v1/checkout/sessions", 503)
    assert_unavailable(start_checkout(web, helper, "expat_aidant_basic", "eur", "monthly"))
    assert purchase_slot(db, helper.uid).get("holder") is None
    checkout = start_checkout(web, helper, "expat_aidant_basic", "eur", "monthly")
    assert checkout.status == 200, checkout.body
    assert checkout.result["url"] and checkout.result["sessionId"].startswith("cs_")


def test_an_outage_on_change_cancel_or_portal_answers_unavailable_and_the_retry_applies(web: WebApp, db: Any) -> None:
    plans_synced(web)
    lawyer = new_subscriber(web, db, "lawyer")
    created = web.call(WEST3, "createSubscription", BASIC, lawyer)
    assert created.status == 200, created.body
    confirm_card(created.result["paymentIntentId"], created.result["clientSecret"])
    sub_id = created.result["subscriptionId"]
    subscription(db, lawyer.uid, status="active", stripeSubscriptionId=sub_id)
    stripe_webhooks_delivered()

    # The same tap retried (same requestId): the 5xx saved under its key is not replayed.
    change = {**BASIC, "planId": "lawyer_pro", "requestId": "change-tap-1"}
    stripe_fails_next(f"/v1/subscriptions/{sub_id}", 500)
    assert_unavailable(web.call(WEST3, "changeSubscriptionPlan", change, lawyer))
    assert subscription(db, lawyer.uid)["tier"] == "basic"
    changed = web.call(WEST3, "changeSubscriptionPlan", change, lawyer)
    assert changed.status == 200, changed.body
    assert changed.result["planId"] == "lawyer_pro"
    subscription(db, lawyer.uid, tier="pro", status="active")

    stripe_fails_next(f"/v1/subscriptions/{sub_id}", 503)
    assert_unavailable(web.call(WEST3, "cancelSubscription", {"requestId": "cancel-tap-1"}, lawyer))
    assert stripe_get(f"subscriptions/{sub_id}")["cancel_at_period_end"] is False
    cancelled = web.call(WEST3, "cancelSubscription", {"requestId": "cancel-tap-1"}, lawyer)
    assert cancelled.status == 200, cancelled.body
    assert cancelled.result["cancelAtPeriodEnd"] is True
    assert stripe_get(f"subscriptions/{sub_id}")["cancel_at_period_end"] is True
    subscription(db, lawyer.uid, cancelAtPeriodEnd=True)

    stripe_fails_next("/v1/billing_portal/sessions", 503)
    assert_unavailable(web.call(WEST3, "createBillingPortalSession", {}, lawyer))
    portal = web.call(WEST3, "createBillingPortalSession", {}, lawyer)
    assert portal.status == 200, portal.body
    assert portal.result["url"]
    stripe_webhooks_delivered()
