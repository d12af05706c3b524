"""Issue 9 items 5 and 15 over HTTP: a second subscription of the provider never takes away the
access of the one paid; cancel/reactivate keys come from each request, not from the last event."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import requests

from tests.e2e.conftest import STRIPE, WebApp, confirm_card
from tests.e2e.subscribing import (
    SK,
    WEST3,
    advance_stripe_to,
    new_subscriber,
    plans_synced,
    stripe_get,
    stripe_now,
    stripe_webhooks_delivered,
    subscription,
)

pytestmark = pytest.mark.e2e
BASIC = {"planId": "lawyer_basic", "currency": "eur", "billingPeriod": "monthly"}


def test_abandon_one_pay_another_then_the_first_expires_access_stays(web: WebApp, db: Any) -> None:
    plans_synced(web)
    lawyer = new_subscriber(web, db, "lawyer")
    abandoned = web.call(WEST3, "createSubscription", BASIC, lawyer)
    assert abandoned.status == 200, abandoned.body
    stripe_webhooks_delivered()

    bought = web.call(WEST3, "createSubscription", {**BASIC, "planId": "lawyer_pro"}, lawyer)
    assert bought.status == 200, bought.body
    assert bought.result["paymentIntentId"] and bought.result["intentType"] == "payment"
    # The abandoned first invoice can no longer be paid next to the new one.
    assert stripe_get(f"subscriptions/{abandoned.result['subscriptionId']}")["status"] == "canceled"
    paid = confirm_card(bought.result["paymentIntentId"], bought.result["clientSecret"])
    assert paid["status"] == "succeeded", paid
    doc = subscription(db, lawyer.uid, status="active", stripeSubscriptionId=bought.result["subscriptionId"])
    assert doc["tier"] == "pro"
    stripe_webhooks_delivered()

    # An event of the abandoned subscription after the paid one's (it is re-fetched: canceled).
    touched = requests.post(
        f"{STRIPE}/v1/subscriptions/{abandoned.result['subscriptionId']}",
        data={"metadata[note]": "late"},
        auth=SK,
        timeout=10,
    )
    assert touched.status_code == 200, touched.text
    advance_stripe_to(stripe_now() + timedelta(hours=24))  # when it would have expired
    stripe_webhooks_delivered()
    after = subscription(db, lawyer.uid)
    assert (after["stripeSubscriptionId"], after["status"], after["aiAccessEnabled"]) == (
        bought.result["subscriptionId"],
        "active",
        True,
    )
    assert web.call(WEST3, "checkAiAccess", {}, lawyer).result["allowed"] is True


def test_cancel_reactivate_cancel_before_any_webhook_ends_cancelling(web: WebApp, db: Any) -> None:
    plans_synced(web)
    lawyer = new_subscriber(web, db, "lawyer")
    created = web.call(WEST3, "createSubscription", BASIC, lawyer)
    assert created.status == 200, created.body
    confirm_card(created.result["paymentIntentId"], created.result["clientSecret"])
    subscription(db, lawyer.uid, status="active")
    stripe_webhooks_delivered()
    answers = [
        web.call(WEST3, name, {}, lawyer)
        for name in ("cancelSubscription", "reactivateSubscription", "cancelSubscription")
    ]
    assert [a.result["cancelAtPeriodEnd"] for a in answers] == [True, False, True], [a.body for a in answers]
    assert stripe_get(f"subscriptions/{created.result['subscriptionId']}")["cancel_at_period_end"] is True
    stripe_webhooks_delivered()
    assert subscription(db, lawyer.uid)["cancelAtPeriodEnd"] is True
    # A retried request (same requestId) is one change; an unknown shape is named.
    undo = web.call(WEST3, "reactivateSubscription", {"requestId": "tap-7"}, lawyer)
    assert undo.result["cancelAtPeriodEnd"] is False, undo.body
    again = web.call(WEST3, "cancelSubscription", {"requestId": "tap-8"}, lawyer)
    retried = web.call(WEST3, "cancelSubscription", {"requestId": "tap-8"}, lawyer)
    assert again.result["cancelAtPeriodEnd"] is True and retried.result["cancelAtPeriodEnd"] is True
    bad = web.call(WEST3, "cancelSubscription", {"requestId": "no spaces"}, lawyer)
    assert bad.error_status == "INVALID_ARGUMENT" and bad.error_message.startswith("requestId:")
