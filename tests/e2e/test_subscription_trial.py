"""The free trial over HTTP (seed 004 I6 / I9): granted by the server once, for the configured
length, and AI access ends with it when no plan was paid."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import requests

from tests.e2e.conftest import STRIPE, Account, WebApp
from tests.e2e.subscribing import (
    SK,
    WEST3,
    advance_stripe_to,
    complete_checkout,
    mails_to,
    new_subscriber,
    plans_synced,
    run_dunning_cron_at,
    start_checkout,
    stripe_get,
    stripe_now,
    subscription,
)

pytestmark = pytest.mark.e2e


def test_trial_once_for_the_configured_days_then_access_off(web: WebApp, db: Any) -> None:
    configured = db.document("settings/subscription").get().to_dict()
    expat = new_subscriber(web, db, "expat")
    started = web.call(WEST3, "startTrial", {}, expat)
    assert started.status == 200, started.body
    trial = subscription(db, expat.uid, status="trialing", aiAccessEnabled=True)
    assert trial["trialEndsAt"] - trial["trialStartedAt"] == timedelta(days=configured["trialDays"])
    assert trial["aiCallsLimit"] == configured["trialAiCalls"]
    assert datetime.fromisoformat(started.result["trialEndsAt"]) == trial["trialEndsAt"]
    again = web.call(WEST3, "startTrial", {}, expat)
    assert again.error_status == "FAILED_PRECONDITION"
    assert subscription(db, expat.uid)["trialStartedAt"] == trial["trialStartedAt"]
    assert web.call(WEST3, "incrementAiUsage", {}, expat).status == 200

    run_dunning_cron_at(trial["trialEndsAt"] - timedelta(minutes=1))
    assert subscription(db, expat.uid)["status"] == "trialing"
    run_dunning_cron_at(trial["trialEndsAt"] + timedelta(minutes=1))
    ended = subscription(db, expat.uid, status="cancelled", aiAccessEnabled=False)
    assert ended["trialEndsAt"] == trial["trialEndsAt"]
    assert web.call(WEST3, "checkAiAccess", {}, expat).result["allowed"] is False
    assert web.call(WEST3, "startTrial", {}, expat).error_status == "FAILED_PRECONDITION"
    assert len(mails_to(db, expat.uid, "subscription_trial_ended")) == 1


def _three_days_into_a_trial(web: WebApp, db: Any, expat: Account) -> dict[str, Any]:
    assert web.call(WEST3, "startTrial", {}, expat).status == 200
    granted = subscription(db, expat.uid, status="trialing")
    # Earlier tests moved the local Stripe clock ahead of real time: date the trial on Stripe's
    # clock, as it is when both clocks agree (production).
    shift = stripe_now() - timedelta(days=3) - granted["trialStartedAt"]
    trial_dates = {k: granted[k] + shift for k in ("trialStartedAt", "trialEndsAt", "currentPeriodEnd")}
    db.document(f"subscriptions/{expat.uid}").update(trial_dates)
    return subscription(db, expat.uid, trialEndsAt=trial_dates["trialEndsAt"])


def test_a_plan_bought_during_the_trial_is_first_charged_when_the_trial_ends(web: WebApp, db: Any) -> None:
    plans_synced(web)
    expat = new_subscriber(web, db, "expat")
    trial = _three_days_into_a_trial(web, db, expat)

    checkout = start_checkout(web, expat, "expat_aidant_basic", "eur", "monthly")
    assert checkout.status == 200, checkout.body
    assert datetime.fromisoformat(checkout.result["firstChargeAt"]) == trial["trialEndsAt"]
    assert checkout.result["amount"] == 900
    complete_checkout(checkout.result["sessionId"])
    converted = subscription(db, expat.uid, tier="basic", status="trialing")
    assert converted["stripeSubscriptionId"] and converted["aiCallsLimit"] == 5
    assert (converted["trialStartedAt"], converted["trialEndsAt"]) == (trial["trialStartedAt"], trial["trialEndsAt"])
    stripe_sub = stripe_get(f"subscriptions/{converted['stripeSubscriptionId']}")
    assert stripe_sub["trial_end"] == int(trial["trialEndsAt"].timestamp())
    assert stripe_get(f"invoices/{stripe_sub['latest_invoice']}")["amount_paid"] == 0  # nothing charged yet

    # The server's trial cron leaves a trial that Stripe runs now; Stripe charges at its end.
    run_dunning_cron_at(trial["trialEndsAt"] + timedelta(minutes=1))
    assert subscription(db, expat.uid)["status"] == "trialing"
    advance_stripe_to(trial["trialEndsAt"] + timedelta(minutes=1))
    paid = subscription(db, expat.uid, status="active", aiAccessEnabled=True)
    renewed = stripe_get(f"subscriptions/{paid['stripeSubscriptionId']}")
    first = stripe_get(f"invoices/{renewed['latest_invoice']}")
    assert (first["billing_reason"], first["amount_paid"]) == ("subscription_cycle", 900)


def test_elements_during_the_trial_saves_the_card_for_the_first_charge(web: WebApp, db: Any) -> None:
    plans_synced(web)
    lawyer = new_subscriber(web, db, "lawyer")
    trial = _three_days_into_a_trial(web, db, lawyer)
    created = web.call(
        WEST3, "createSubscription", {"planId": "lawyer_standard", "currency": "usd", "billingPeriod": "yearly"}, lawyer
    )
    assert created.status == 200, created.body
    assert created.result["intentType"] == "setup" and created.result["amount"] == 47040
    assert datetime.fromisoformat(created.result["firstChargeAt"]) == trial["trialEndsAt"]
    secret = created.result["clientSecret"]
    saved = requests.post(  # what Stripe.js confirmSetup does
        f"{STRIPE}/v1/setup_intents/{secret.split('_secret_')[0]}/confirm",
        data={"payment_method": "pm_card_visa", "client_secret": secret},
        auth=SK,
        timeout=10,
    )
    assert saved.json()["status"] == "succeeded", saved.text
    subscription(db, lawyer.uid, tier="standard", status="trialing", billingPeriod="yearly")
    advance_stripe_to(trial["trialEndsAt"] + timedelta(minutes=1))
    paid = subscription(db, lawyer.uid, status="active", aiAccessEnabled=True)
    renewed = stripe_get(f"subscriptions/{paid['stripeSubscriptionId']}")
    assert stripe_get(f"invoices/{renewed['latest_invoice']}")["amount_paid"] == 47040


def test_a_trial_carried_into_a_plan_without_a_saved_card_ends_with_access_off(web: WebApp, db: Any) -> None:
    plans_synced(web)
    expat = new_subscriber(web, db, "expat")
    trial = _three_days_into_a_trial(web, db, expat)
    plan = {"planId": "expat_aidant_pro", "currency": "eur", "billingPeriod": "monthly"}
    created = web.call(WEST3, "createSubscription", plan, expat)
    assert created.status == 200 and created.result["intentType"] == "setup", created.body
    subscription(db, expat.uid, tier="pro", status="trialing", aiAccessEnabled=True)
    advance_stripe_to(trial["trialEndsAt"] + timedelta(minutes=1))  # the card was never saved
    subscription(db, expat.uid, status="cancelled", aiAccessEnabled=False)
    assert web.call(WEST3, "checkAiAccess", {}, expat).result["allowed"] is False
