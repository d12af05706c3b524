"""Seed 004 §7 TEST 1 and TEST 2 over HTTP: what the provider is told is what Stripe bills.

Named audit items: I1 / P4 / bug 1 (billingPeriod required, yearly uses the annual Price),
I2 / P1 / P2 / P3 / bug 2 (the callable states amount, currency and interval from the Stripe
Price, so the web app shows and confirms what is billed), I4 / bug 3 (provider found in
sos_profiles; full Stripe metadata), I5 / bug 4 (billingPeriod from the Stripe interval).
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest

from tests.e2e.conftest import WebApp, confirm_card
from tests.e2e.subscribing import (
    WEST3,
    complete_checkout,
    new_subscriber,
    plans_synced,
    start_checkout,
    stripe_get,
    stripe_now,
    stripe_webhooks_delivered,
    subscription,
)

pytestmark = pytest.mark.e2e
SEED_004_FIELDS = {  # subscriptions/{providerId}, seed 004 §6.1
    *("providerId", "providerType", "planId", "tier", "billingPeriod", "currency", "currentPeriodAmount"),
    *("stripeCustomerId", "stripeSubscriptionId", "stripePriceId", "status", "aiAccessEnabled", "aiCallsLimit"),
    *("currentPeriodCalls", "currentPeriodStart", "currentPeriodEnd", "cancelAtPeriodEnd", "canceledAt"),
    *("trialStartedAt", "trialEndsAt", "createdAt", "updatedAt"),
}


def _stripe_terms(stripe_subscription_id: str) -> tuple[int, str, str, dict[str, str]]:
    sub = stripe_get(f"subscriptions/{stripe_subscription_id}")
    price = sub["items"]["data"][0]["price"]
    return price["unit_amount"], price["currency"], price["recurring"]["interval"], sub["metadata"]


def test_1_monthly_basic_in_eur_through_checkout(web: WebApp, db: Any) -> None:
    plans_synced(web)
    lawyer = new_subscriber(web, db, "lawyer")
    checkout = start_checkout(web, lawyer, "lawyer_basic", "eur", "monthly")
    assert checkout.status == 200, checkout.body
    assert {k: checkout.result[k] for k in ("amount", "currency", "interval", "billingPeriod")} == {
        "amount": 1400,
        "currency": "EUR",
        "interval": "month",
        "billingPeriod": "monthly",
    }
    assert checkout.result["url"].startswith("http")
    complete_checkout(checkout.result["sessionId"])
    doc = subscription(db, lawyer.uid, status="active", billingPeriod="monthly")
    assert (doc["tier"], doc["aiAccessEnabled"], doc["aiCallsLimit"]) == ("basic", True, 5)
    assert (doc["currentPeriodAmount"], doc["currency"], doc["planId"]) == (1400, "EUR", "lawyer_basic")
    amount, currency, interval, metadata = _stripe_terms(doc["stripeSubscriptionId"])
    assert (amount, currency, interval) == (1400, "eur", "month")
    assert metadata == {
        "providerId": lawyer.uid,
        "planId": "lawyer_basic",
        "providerType": "lawyer",
        "billingPeriod": "monthly",
        "currency": "EUR",
    }
    assert db.document(f"users/{lawyer.uid}").get().to_dict()["stripeCustomerId"] == doc["stripeCustomerId"]
    access = web.call(WEST3, "checkAiAccess", {}, lawyer)
    assert access.result == {"allowed": True, "used": 0, "limit": 5, "remaining": 5, "reason": None}


def test_1_monthly_basic_in_usd_through_elements(web: WebApp, db: Any) -> None:
    plans_synced(web)
    lawyer = new_subscriber(web, db, "lawyer")
    created = web.call(
        WEST3, "createSubscription", {"planId": "lawyer_basic", "currency": "usd", "billingPeriod": "monthly"}, lawyer
    )
    assert created.status == 200, created.body
    assert (created.result["amount"], created.result["currency"], created.result["interval"]) == (1900, "USD", "month")
    secret = created.result["clientSecret"]
    assert confirm_card(created.result["paymentIntentId"], secret)["status"] == "succeeded"
    doc = subscription(db, lawyer.uid, status="active", billingPeriod="monthly")
    assert (doc["currentPeriodAmount"], doc["currency"], doc["aiAccessEnabled"]) == (1900, "USD", True)
    assert doc["stripeSubscriptionId"] == created.result["subscriptionId"]
    assert _stripe_terms(doc["stripeSubscriptionId"])[:3] == (1900, "usd", "month")


def test_2_yearly_pro_is_billed_yearly(web: WebApp, db: Any) -> None:
    plans_synced(web)
    lawyer = new_subscriber(web, db, "lawyer")
    # Without billingPeriod nothing defaults to monthly (the original bug: every yearly plan billed monthly).
    missing = web.call(WEST3, "createSubscriptionCheckout", {"planId": "lawyer_pro", "currency": "eur"}, lawyer)
    assert missing.error_status == "INVALID_ARGUMENT" and missing.error_message.startswith("billingPeriod:")
    checkout = start_checkout(web, lawyer, "lawyer_pro", "eur", "yearly")
    assert checkout.status == 200, checkout.body
    assert (checkout.result["amount"], checkout.result["interval"], checkout.result["billingPeriod"]) == (
        66240,
        "year",
        "yearly",
    )
    complete_checkout(checkout.result["sessionId"])
    doc = subscription(db, lawyer.uid, status="active", tier="pro")
    assert (doc["billingPeriod"], doc["currentPeriodAmount"], doc["aiCallsLimit"], doc["aiAccessEnabled"]) == (
        "yearly",
        66240,
        30,
        True,
    )
    assert set(doc) >= SEED_004_FIELDS, SEED_004_FIELDS - set(doc)
    assert abs(doc["currentPeriodStart"] - stripe_now()) < timedelta(minutes=5)
    period = doc["currentPeriodEnd"] - doc["currentPeriodStart"]
    assert timedelta(days=365) <= period <= timedelta(days=366)
    amount, currency, interval, metadata = _stripe_terms(doc["stripeSubscriptionId"])
    assert (amount, currency, interval, metadata["billingPeriod"]) == (66240, "eur", "year", "yearly")


def test_repair_fixes_a_billing_period_that_disagrees_with_stripe(web: WebApp, db: Any) -> None:  # seed 004 §6.2
    plans_synced(web)
    lawyer = new_subscriber(web, db, "lawyer")
    complete_checkout(start_checkout(web, lawyer, "lawyer_standard", "usd", "yearly").result["sessionId"])
    subscription(db, lawyer.uid, status="active", billingPeriod="yearly")
    stripe_webhooks_delivered()
    db.document(f"subscriptions/{lawyer.uid}").update({"billingPeriod": "monthly"})  # as the original bug left it
    admin = web.sign_in("admin@demo.sos-expat.test")
    assert web.call(WEST3, "repairSubscriptionBillingPeriods", {}, lawyer).error_status == "PERMISSION_DENIED"
    dry = web.call(WEST3, "repairSubscriptionBillingPeriods", {}, admin)
    assert dry.status == 200 and dry.result["dryRun"] is True, dry.body
    assert {"providerId": lawyer.uid, "from": "monthly", "to": "yearly"} in dry.result["changes"]
    assert subscription(db, lawyer.uid)["billingPeriod"] == "monthly"
    applied = web.call(WEST3, "repairSubscriptionBillingPeriods", {"dryRun": False}, admin)
    assert {"providerId": lawyer.uid, "from": "monthly", "to": "yearly"} in applied.result["changes"]
    assert subscription(db, lawyer.uid)["billingPeriod"] == "yearly"
    again = web.call(WEST3, "repairSubscriptionBillingPeriods", {}, admin)
    assert lawyer.uid not in {c["providerId"] for c in again.result["changes"]}


def test_concurrent_first_checkouts_share_one_stripe_customer(web: WebApp, db: Any) -> None:
    plans_synced(web)
    lawyer = new_subscriber(web, db, "lawyer")
    # A refused call first starts the function's worker (the emulator garbles a burst to a cold one).
    assert start_checkout(web, lawyer, "lawyer_basic", "eur", "daily").error_status == "INVALID_ARGUMENT"
    results: list[Any] = []
    barrier = threading.Barrier(6)

    def checkout() -> None:
        barrier.wait()
        results.append(start_checkout(web, lawyer, "lawyer_basic", "eur", "monthly"))

    threads = [threading.Thread(target=checkout) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # One purchase in flight per provider: a concurrent one is told to retry (ABORTED).
    assert {r.status for r in results} <= {200, 409} and 200 in [r.status for r in results], [r.body for r in results]
    assert all(r.error_status == "ABORTED" for r in results if r.status == 409)
    customers = stripe_get(f"customers?email={lawyer.email}&limit=100")["data"]
    assert len(customers) == 1
    assert db.document(f"users/{lawyer.uid}").get().to_dict()["stripeCustomerId"] == customers[0]["id"]
    opened = [r for r in results if r.status == 200]
    sessions = {stripe_get(f"checkout/sessions/{r.result['sessionId']}")["customer"] for r in opened}
    assert sessions == {customers[0]["id"]}
