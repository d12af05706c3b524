"""Bad input against a live paid subscription: every refusal leaves Stripe and Firestore as they were."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.e2e.conftest import STRIPE, Account, WebApp
from tests.e2e.subscribing import (
    SK,
    WEST3,
    complete_checkout,
    new_subscriber,
    plans_synced,
    start_checkout,
    stripe_webhooks_delivered,
    subscription,
)
from tests.e2e.test_subscription_bad_input import refused, snapshot

pytestmark = pytest.mark.e2e
BOUGHT = {"planId": "lawyer_standard", "currency": "usd", "billingPeriod": "yearly"}


def stripe_state(subscriber: dict[str, Any]) -> dict[str, Any]:
    """The subscriber's Stripe side: the live subscription and how many subscriptions it has."""
    sub = requests.get(f"{STRIPE}/v1/subscriptions/{subscriber['subscriptionId']}", auth=SK, timeout=10).json()
    listed = requests.get(f"{STRIPE}/v1/subscriptions", params={"customer": sub["customer"]}, auth=SK, timeout=10)
    return {
        "price": sub["items"]["data"][0]["price"]["id"],
        "status": sub["status"],
        "cancel_at_period_end": sub["cancel_at_period_end"],
        "currency": sub["currency"],
        "subscriptions": sorted(s["id"] for s in listed.json()["data"]),
    }


@pytest.fixture(scope="module")
def subscriber(stack: Any, db: Any) -> Iterator[dict[str, Any]]:
    """A fresh lawyer with an active yearly USD lawyer_standard subscription, paid by Checkout."""
    web = WebApp()
    plans_synced(web)
    lawyer = new_subscriber(web, db, "lawyer")
    checkout = start_checkout(web, lawyer, "lawyer_standard", "usd", "yearly")
    assert checkout.status == 200, checkout.body
    complete_checkout(checkout.result["sessionId"])
    doc = subscription(db, lawyer.uid, status="active", planId="lawyer_standard", billingPeriod="yearly")
    # Later events of this checkout (invoice.paid, checkout.session.completed) must not land
    # between a test's before and after snapshots.
    stripe_webhooks_delivered()
    admin = web.sign_in("admin@demo.sos-expat.test")
    yield {"web": web, "admin": admin, "lawyer": lawyer, "subscriptionId": doc["stripeSubscriptionId"]}
    # Ended now, so that later tests advancing the Stripe clock do not renew it.
    ended = requests.delete(f"{STRIPE}/v1/subscriptions/{doc['stripeSubscriptionId']}", auth=SK, timeout=10)
    assert ended.status_code == 200 and ended.json()["status"] == "canceled", ended.text


def state(db: Any, subscriber: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    return snapshot(db, subscriber["lawyer"].uid), stripe_state(subscriber)


@pytest.mark.parametrize(
    ("data", "status", "field"),
    [
        (BOUGHT, "FAILED_PRECONDITION", "planId"),  # already the plan
        ({**BOUGHT, "currency": "eur"}, "FAILED_PRECONDITION", "currency"),  # Stripe keeps a subscription's currency
        ({"planId": "lawyer_pro", "currency": "eur", "billingPeriod": "monthly"}, "FAILED_PRECONDITION", "currency"),
        ({"planId": "lawyer_pro", "currency": "usd"}, "INVALID_ARGUMENT", "billingPeriod"),  # no silent default
        ({**BOUGHT, "billingPeriod": None}, "INVALID_ARGUMENT", "billingPeriod"),
        ({**BOUGHT, "planId": "lawyer_pro", "billingPeriod": "annual"}, "INVALID_ARGUMENT", "billingPeriod"),
        ({**BOUGHT, "planId": "lawyer_pro", "billingPeriod": "month"}, "INVALID_ARGUMENT", "billingPeriod"),
        ({"planId": "lawyer_pro", "billingPeriod": "yearly"}, "INVALID_ARGUMENT", "currency"),
        ({**BOUGHT, "planId": "lawyer_pro", "currency": "gbp"}, "INVALID_ARGUMENT", "currency"),
        ({**BOUGHT, "planId": "lawyer_pro", "currency": 840}, "INVALID_ARGUMENT", "currency"),
        ({"currency": "usd", "billingPeriod": "yearly"}, "INVALID_ARGUMENT", "planId"),
        ({**BOUGHT, "planId": "lawyer_pro/../lawyer_unlimited"}, "INVALID_ARGUMENT", "planId"),
        ({**BOUGHT, "planId": {"planId": "lawyer_pro"}}, "INVALID_ARGUMENT", "planId"),
        ({**BOUGHT, "planId": "expat_aidant_pro"}, "PERMISSION_DENIED", "planId"),
        ({**BOUGHT, "planId": "expat_aidant_unlimited", "providerType": "expat_aidant"}, "PERMISSION_DENIED", "planId"),
        ("lawyer_pro", "INVALID_ARGUMENT", "data"),
        (None, "INVALID_ARGUMENT", "data"),
    ],
)
def test_change_plan_refusals_change_nothing(
    subscriber: dict[str, Any], db: Any, data: Any, status: str, field: str
) -> None:
    before = state(db, subscriber)
    response = subscriber["web"].call(WEST3, "changeSubscriptionPlan", data, subscriber["lawyer"])
    refused(response, status, field)
    assert state(db, subscriber) == before


@pytest.mark.parametrize("data", [{}, None, {"cancel": False, "subscriptionId": "sub_other"}])
def test_reactivate_without_a_pending_cancellation(subscriber: dict[str, Any], db: Any, data: Any) -> None:
    before = state(db, subscriber)
    response = subscriber["web"].call(WEST3, "reactivateSubscription", data, subscriber["lawyer"])
    refused(response, "FAILED_PRECONDITION")
    assert "no pending cancellation" in response.error_message
    assert state(db, subscriber) == before


@pytest.mark.parametrize("name", ["createSubscriptionCheckout", "createSubscription"])
@pytest.mark.parametrize("data", [BOUGHT, {**BOUGHT, "planId": "lawyer_unlimited", "billingPeriod": "monthly"}])
def test_buying_a_second_subscription_is_refused(
    subscriber: dict[str, Any], db: Any, name: str, data: dict[str, Any]
) -> None:
    before = state(db, subscriber)
    response = subscriber["web"].call(WEST3, name, data, subscriber["lawyer"])
    refused(response, "FAILED_PRECONDITION")
    assert "already have a subscription" in response.error_message
    assert state(db, subscriber) == before


def test_no_trial_on_top_of_a_paid_subscription(subscriber: dict[str, Any], db: Any) -> None:
    before = state(db, subscriber)
    response = subscriber["web"].call(WEST3, "startTrial", {"trialDays": 90}, subscriber["lawyer"])
    refused(response, "FAILED_PRECONDITION")
    assert "already have a subscription" in response.error_message
    assert state(db, subscriber) == before and before[0][f"trials/{subscriber['lawyer'].uid}"] is None


@pytest.fixture
def wrong_period(subscriber: dict[str, Any], db: Any) -> Iterator[Any]:
    """The subscriber's billingPeriod made wrong ("monthly" while Stripe bills yearly): what a
    repair run would rewrite, so a refused or dry run can be seen to write nothing."""
    ref = db.document(f"subscriptions/{subscriber['lawyer'].uid}")
    ref.update({"billingPeriod": "monthly"})
    yield ref
    ref.update({"billingPeriod": "yearly"})


def repair(subscriber: dict[str, Any], data: Any, account: Account | None) -> Any:
    return subscriber["web"].call(WEST3, "repairSubscriptionBillingPeriods", data, account)


def test_repair_by_default_only_reports(subscriber: dict[str, Any], db: Any, wrong_period: Any) -> None:
    before = state(db, subscriber)
    for data in ({}, None, {"dryRun": True}):
        response = repair(subscriber, data, subscriber["admin"])
        assert response.status == 200 and response.result["dryRun"] is True, response.body
        change = {"providerId": subscriber["lawyer"].uid, "from": "monthly", "to": "yearly"}
        assert change in response.result["changes"]
    assert state(db, subscriber) == before


@pytest.mark.parametrize("who", ["subscriber", "nobody"])
def test_repair_refuses_non_admins(subscriber: dict[str, Any], db: Any, wrong_period: Any, who: str) -> None:
    before = state(db, subscriber)
    account = subscriber["lawyer"] if who == "subscriber" else None
    response = repair(subscriber, {"dryRun": False}, account)
    refused(response, "PERMISSION_DENIED" if account else "UNAUTHENTICATED")
    assert state(db, subscriber) == before


@pytest.mark.parametrize("dry_run", ["false", "no", "", 0, 1, None, [], [False], {"value": False}])
def test_repair_dry_run_flag_must_be_a_boolean(
    subscriber: dict[str, Any], db: Any, wrong_period: Any, dry_run: Any
) -> None:
    before = state(db, subscriber)
    refused(repair(subscriber, {"dryRun": dry_run}, subscriber["admin"]), "INVALID_ARGUMENT", "dryRun")
    assert state(db, subscriber) == before


@pytest.mark.parametrize("data", ["false", [{"dryRun": False}], 0, False])
def test_repair_data_that_is_not_an_object_is_refused(
    subscriber: dict[str, Any], db: Any, wrong_period: Any, data: Any
) -> None:
    before = state(db, subscriber)
    refused(repair(subscriber, data, subscriber["admin"]), "INVALID_ARGUMENT", "data")
    assert state(db, subscriber) == before
