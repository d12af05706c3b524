"""Seed 004 §7 TEST 5 over HTTP: failed renewal -> past_due -> 7 days of grace -> suspended ->
card fixed -> active with the quota reset (I7 / bug 5: the counter reset is currentPeriodCalls).

Time is billing time on both sides: the local Stripe clock moves (renewal, Stripe's retries on
days 3 and 8) and the daily dunning job is fired with the same instant as its schedule time.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.e2e.conftest import WebApp
from tests.e2e.subscribing import (
    WEST3,
    advance_stripe_to,
    complete_checkout,
    mails_to,
    new_subscriber,
    plans_synced,
    run_dunning_cron_at,
    set_card,
    start_checkout,
    stripe_now,
    stripe_webhooks_delivered,
    subscription,
)

pytestmark = pytest.mark.e2e
MINUTE = timedelta(minutes=1)


def test_5_failed_renewal_grace_suspension_and_recovery(web: WebApp, db: Any) -> None:
    plans_synced(web)
    lawyer = new_subscriber(web, db, "lawyer")
    checkout = start_checkout(web, lawyer, "lawyer_basic", "eur", "monthly")
    assert checkout.status == 200, checkout.body
    complete_checkout(checkout.result["sessionId"])
    first = subscription(db, lawyer.uid, status="active")
    assert web.call(WEST3, "incrementAiUsage", {}, lawyer).result["used"] == 1
    set_card(first["stripeCustomerId"], "pm_card_chargeCustomerFail")  # attaches, every charge declines

    # The renewal fails: past_due, access kept, a reminder mail at once.
    advance_stripe_to(first["currentPeriodEnd"] + MINUTE)
    stripe_webhooks_delivered()
    late = subscription(db, lawyer.uid, status="past_due")
    since = late["pastDueSince"]
    assert abs(since - first["currentPeriodEnd"]) < MINUTE  # Stripe's time of the failure
    assert late["aiAccessEnabled"] is True and late["currentPeriodStart"] == first["currentPeriodEnd"]
    assert len(mails_to(db, lawyer.uid, "subscription_payment_failed")) == 1
    assert web.call(WEST3, "checkAiAccess", {}, lawyer).result["used"] == 0  # a new billing period
    for _ in range(2):
        assert web.call(WEST3, "incrementAiUsage", {}, lawyer).status == 200  # grace: the assistant still works
    assert web.call(WEST3, "checkAiAccess", {}, lawyer).result["used"] == 2

    # Day 3: Stripe retries and fails again; the daily job reminds, nothing is suspended.
    advance_stripe_to(since + timedelta(days=3) + MINUTE)
    run_dunning_cron_at(stripe_now())
    reminders = mails_to(db, lawyer.uid, "subscription_payment_reminder")
    assert [m["template"]["data"] for m in reminders] == [{"daysPastDue": 3, "daysLeft": 4}]
    assert subscription(db, lawyer.uid)["status"] == "past_due"
    assert web.call(WEST3, "checkAiAccess", {}, lawyer).result["allowed"] is True

    # Day 6: the last reminder; day 7: suspended, AI access off.
    advance_stripe_to(since + timedelta(days=6) + MINUTE)
    run_dunning_cron_at(stripe_now())
    assert len(mails_to(db, lawyer.uid, "subscription_payment_reminder")) == 2
    advance_stripe_to(since + timedelta(days=7) + MINUTE)
    run_dunning_cron_at(stripe_now())
    suspended = subscription(db, lawyer.uid, status="suspended", aiAccessEnabled=False)
    assert suspended["suspendedAt"] >= since + timedelta(days=7)
    assert len(mails_to(db, lawyer.uid, "subscription_suspended")) == 1
    refused = web.call(WEST3, "incrementAiUsage", {}, lawyer)
    assert refused.error_status == "PERMISSION_DENIED", refused.body
    assert web.call(WEST3, "checkAiAccess", {}, lawyer).result["reason"] == "no_access"
    run_dunning_cron_at(stripe_now())  # a second run the same day changes nothing
    assert len(mails_to(db, lawyer.uid, "subscription_suspended")) == 1

    # The card is fixed; Stripe's next retry (day 8) pays: active, access back, quota restarted.
    set_card(first["stripeCustomerId"], "pm_card_visa")
    advance_stripe_to(since + timedelta(days=8) + MINUTE)
    back = subscription(db, lawyer.uid, status="active", aiAccessEnabled=True)
    assert (back["currentPeriodCalls"], back["pastDueSince"]) == (0, None)
    access = web.call(WEST3, "checkAiAccess", {}, lawyer)
    assert access.result == {"allowed": True, "used": 0, "limit": 5, "remaining": 5, "reason": None}
