"""AI subscriptions over HTTP (seed 004 §7): plans synced, checkout, upgrade, cancel at period end."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.e2e.conftest import WebApp
from tests.e2e.subscribing import WEST3, advance_stripe_to, complete_checkout, stripe_get, subscription

pytestmark = pytest.mark.e2e


def test_monthly_checkout_then_yearly_upgrade_then_cancel_at_period_end(web: WebApp, db: Any) -> None:
    admin = web.sign_in("admin@demo.sos-expat.test")
    first = web.call(WEST3, "syncSubscriptionPlansToStripe", {}, admin)
    assert first.status == 200, first.body
    again = web.call(WEST3, "syncSubscriptionPlansToStripe", {}, admin)
    assert again.result["inSync"] is True and again.result["message"] == "in sync"

    expat = web.sign_in("expat@demo.sos-expat.test")
    db.document(f"subscriptions/{expat.uid}").delete()
    missing = web.call(WEST3, "createSubscriptionCheckout", {"planId": "expat_aidant_basic", "currency": "eur"}, expat)
    assert missing.error_status == "INVALID_ARGUMENT" and missing.error_message.startswith("billingPeriod:")
    wrong_kind = web.call(
        WEST3,
        "createSubscriptionCheckout",
        {"planId": "lawyer_pro", "currency": "eur", "billingPeriod": "yearly"},
        expat,
    )
    assert wrong_kind.error_status == "PERMISSION_DENIED"

    # TEST 1: monthly basic, the amount and interval Stripe will charge.
    checkout = web.call(
        WEST3,
        "createSubscriptionCheckout",
        {"planId": "expat_aidant_basic", "currency": "eur", "billingPeriod": "monthly"},
        expat,
    )
    assert checkout.status == 200, checkout.body
    assert (checkout.result["amount"], checkout.result["interval"]) == (900, "month")
    complete_checkout(checkout.result["sessionId"])
    monthly = subscription(db, expat.uid, status="active", billingPeriod="monthly")
    assert (monthly["tier"], monthly["aiCallsLimit"], monthly["aiAccessEnabled"]) == ("basic", 5, True)
    assert monthly["currentPeriodAmount"] == 900 and monthly["currency"] == "EUR"
    again_checkout = web.call(
        WEST3,
        "createSubscriptionCheckout",
        {"planId": "expat_aidant_pro", "currency": "eur", "billingPeriod": "yearly"},
        expat,
    )
    assert again_checkout.error_status == "FAILED_PRECONDITION"

    # TEST 3: upgrade monthly basic -> yearly pro, prorated; tier, period and limits follow.
    upgrade = web.call(
        WEST3,
        "changeSubscriptionPlan",
        {"planId": "expat_aidant_pro", "currency": "eur", "billingPeriod": "yearly"},
        expat,
    )
    assert upgrade.status == 200, upgrade.body
    assert (upgrade.result["amount"], upgrade.result["interval"]) == (23040, "year")
    yearly = subscription(db, expat.uid, billingPeriod="yearly", tier="pro")
    assert yearly["aiCallsLimit"] == 30 and yearly["currentPeriodAmount"] == 23040
    # Prorated: Stripe invoiced the yearly price less the unused part of the month, at once.
    stripe_sub = stripe_get(f"subscriptions/{yearly['stripeSubscriptionId']}")
    invoice = stripe_get(f"invoices/{stripe_sub['latest_invoice']}")
    assert invoice["billing_reason"] == "subscription_update" and invoice["status"] == "paid"
    assert upgrade.result["amountDueNow"] == invoice["amount_paid"]
    # API 2026-10-28: a line's proration flag is under `parent` (what generated the line).
    prorations = [line for line in invoice["lines"]["data"] if line["parent"]["invoice_item_details"]]
    credit = [line["amount"] for line in prorations if line["parent"]["invoice_item_details"]["proration"]]
    credit = [amount for amount in credit if amount < 0]
    assert len(credit) == 1 and invoice["amount_paid"] == 23040 + credit[0] < 23040
    period = yearly["currentPeriodEnd"] - yearly["currentPeriodStart"]
    assert timedelta(days=364) <= period <= timedelta(days=366)

    # A pending cancellation can be undone.
    assert web.call(WEST3, "cancelSubscription", {}, expat).status == 200
    subscription(db, expat.uid, cancelAtPeriodEnd=True)
    undo = web.call(WEST3, "reactivateSubscription", {}, expat)
    assert undo.status == 200 and undo.result["cancelAtPeriodEnd"] is False, undo.body
    subscription(db, expat.uid, cancelAtPeriodEnd=False, status="active")

    # TEST 4: cancel at period end keeps access until then, then cancelled.
    cancel = web.call(WEST3, "cancelSubscription", {}, expat)
    assert cancel.status == 200 and cancel.result["cancelAtPeriodEnd"] is True
    subscription(db, expat.uid, cancelAtPeriodEnd=True, aiAccessEnabled=True)
    advance_stripe_to(yearly["currentPeriodEnd"] + timedelta(minutes=1))
    subscription(db, expat.uid, status="cancelled", aiAccessEnabled=False)
    portal = web.call(WEST3, "createBillingPortalSession", {}, expat)
    assert portal.status == 200 and portal.result["url"].startswith("http")
