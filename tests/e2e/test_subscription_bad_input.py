"""Bad input to the subscription and AI callables of europe-west3: a clear 4xx, the field named
when there is one, never INTERNAL, and nothing written for the caller."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from google.cloud.firestore_v1.base_query import FieldFilter

from tests.e2e.conftest import Account, CallResult, WebApp

pytestmark = pytest.mark.e2e
WEST3 = "europe-west3"
PURCHASES = ("createSubscriptionCheckout", "createSubscription", "changeSubscriptionPlan")
FIELDS = ("planId", "currency", "billingPeriod")
HTTP = {"INVALID_ARGUMENT": 400, "FAILED_PRECONDITION": 400, "UNAUTHENTICATED": 401, "PERMISSION_DENIED": 403}
PLAN_OF = {"lawyer": "lawyer_basic", "expat": "expat_aidant_basic"}


def provider(web: WebApp, db: Any, kind: str = "lawyer", collection: str = "sos_profiles") -> Account:
    account = web.sign_up()
    key = "type" if collection != "users" else "role"
    db.document(f"{collection}/{account.uid}").set({key: kind, "email": account.email})
    return account


def valid(kind: str = "lawyer") -> dict[str, Any]:
    return {"planId": PLAN_OF[kind], "currency": "eur", "billingPeriod": "monthly"}


def snapshot(db: Any, uid: str) -> dict[str, Any]:
    """What these callables could write for this caller: the caller's own documents and index
    entries (late webhooks of other tests only touch other providers' documents)."""
    paths = (
        f"users/{uid}",
        f"stripe_customer_requests/{uid}",
        f"subscription_purchases/{uid}",
        f"subscriptions/{uid}",
        f"trials/{uid}",
    )
    state: dict[str, Any] = {path: db.document(path).get().to_dict() for path in paths}
    for index in ("stripe_customers", "stripe_subscription_index"):
        query = db.collection(index).where(filter=FieldFilter("providerId", "==", uid))
        state[index] = sorted(d.id for d in query.stream())
    return state


def plans(db: Any) -> dict[str, Any]:
    return {d.id: d.to_dict() for d in db.collection("subscription_plans").stream()}


def refused(response: CallResult, status: str, field: str | None = None) -> None:
    assert response.error_status == status, response.body
    assert response.status == HTTP[status], response.body
    assert response.error_message and "internal" not in response.error_message.lower()
    if field is not None:
        assert response.error_message.startswith(f"{field}:"), response.error_message


BAD_VALUES: list[tuple[str, Any]] = [
    ("planId", 42),
    ("planId", None),
    ("planId", True),
    ("planId", ["lawyer_basic"]),
    ("planId", {"id": "lawyer_basic"}),
    ("planId", ""),
    ("planId", "lawyer_gold"),
    ("planId", "LAWYER_BASIC"),
    ("planId", "lawyer_basic/../lawyer_pro"),
    ("planId", "../subscription_plans/lawyer_basic"),
    ("planId", "subscription_plans/lawyer_basic"),
    ("planId", "x" * 500),
    ("currency", "gbp"),
    ("currency", "EURO"),
    ("currency", 978),
    ("currency", None),
    ("currency", True),
    ("currency", ["eur"]),
    ("currency", {"code": "eur"}),
    ("currency", ""),
    ("billingPeriod", "weekly"),
    ("billingPeriod", "annual"),
    ("billingPeriod", "year"),
    ("billingPeriod", "MONTHLY"),
    ("billingPeriod", ""),
    ("billingPeriod", None),
    ("billingPeriod", 12),
    ("billingPeriod", True),
    ("billingPeriod", ["monthly"]),
    ("billingPeriod", {"period": "monthly"}),
]


@pytest.mark.parametrize("name", PURCHASES)
@pytest.mark.parametrize("missing", FIELDS)
def test_every_missing_field_is_named(web: WebApp, db: Any, name: str, missing: str) -> None:
    lawyer = provider(web, db)
    data = valid()
    del data[missing]
    before = snapshot(db, lawyer.uid)
    refused(web.call(WEST3, name, data, lawyer), "INVALID_ARGUMENT", missing)
    assert snapshot(db, lawyer.uid) == before


@pytest.mark.parametrize("name", PURCHASES)
@pytest.mark.parametrize(("field", "value"), BAD_VALUES)
def test_wrong_types_and_unknown_values_are_named(web: WebApp, db: Any, name: str, field: str, value: Any) -> None:
    lawyer = provider(web, db)
    before = snapshot(db, lawyer.uid)
    response = web.call(WEST3, name, {**valid(), field: value}, lawyer)
    refused(response, "INVALID_ARGUMENT", field)
    assert len(response.error_message) < 300, "the message must not echo a huge value"
    assert snapshot(db, lawyer.uid) == before


@pytest.mark.parametrize("name", PURCHASES)
@pytest.mark.parametrize("data", [None, [], ["lawyer_basic", "eur", "monthly"], "lawyer_basic", 42, True])
def test_data_that_is_not_an_object(web: WebApp, db: Any, name: str, data: Any) -> None:
    lawyer = provider(web, db)
    before = snapshot(db, lawyer.uid)
    refused(web.call(WEST3, name, data, lawyer), "INVALID_ARGUMENT", "data")
    assert snapshot(db, lawyer.uid) == before


@pytest.mark.parametrize("name", PURCHASES)
@pytest.mark.parametrize(
    ("kind", "collection", "plan_id"),
    [
        ("lawyer", "sos_profiles", "expat_aidant_pro"),
        ("expat", "sos_profiles", "lawyer_pro"),
        ("expat_aidant", "sos_profiles", "lawyer_unlimited"),
        ("expat", "users", "lawyer_basic"),  # the profile found in users/{uid} (role)
        ("lawyer", "providers", "expat_aidant_basic"),  # ... or in providers/{uid}
    ],
)
def test_a_provider_cannot_take_the_other_kinds_plan(
    web: WebApp, db: Any, name: str, kind: str, collection: str, plan_id: str
) -> None:
    account = provider(web, db, kind, collection)
    before = snapshot(db, account.uid)
    response = web.call(WEST3, name, {**valid("lawyer"), "planId": plan_id}, account)
    refused(response, "PERMISSION_DENIED", "planId")
    assert snapshot(db, account.uid) == before


@pytest.mark.parametrize("name", PURCHASES)
def test_extra_fields_are_ignored_and_widen_nothing(web: WebApp, db: Any, name: str) -> None:
    """Unknown fields are not rejected (the product ignores them): none of them can pass a
    lawyer off as an expat helper, pick another account or redirect the checkout."""
    lawyer, other = provider(web, db), provider(web, db, "expat")
    extras = {
        "providerId": other.uid,
        "providerType": "expat_aidant",
        "uid": other.uid,
        "amount": 1,
        "successUrl": "https://evil.example/ok",
        "cancelUrl": "https://evil.example/ko",
        "trialDays": 365,
    }
    before = snapshot(db, lawyer.uid), snapshot(db, other.uid)
    response = web.call(WEST3, name, {**valid("expat"), **extras}, lawyer)
    refused(response, "PERMISSION_DENIED", "planId")
    assert (snapshot(db, lawyer.uid), snapshot(db, other.uid)) == before


@pytest.mark.parametrize("name", PURCHASES)
def test_unauthenticated(web: WebApp, db: Any, name: str) -> None:
    refused(web.call(WEST3, name, valid(), None), "UNAUTHENTICATED")


@pytest.mark.parametrize("name", PURCHASES)
@pytest.mark.parametrize("profile", [None, {"role": "client"}])
def test_a_signed_in_client_is_not_a_provider(web: WebApp, db: Any, name: str, profile: Any) -> None:
    client = web.sign_up()
    if profile is not None:
        db.document(f"users/{client.uid}").set(profile)
    before = snapshot(db, client.uid)
    response = web.call(WEST3, name, valid(), client)
    refused(response, "PERMISSION_DENIED")
    assert "lawyers and expat helpers" in response.error_message
    assert snapshot(db, client.uid) == before


ACCOUNT_CALLABLES = (
    "cancelSubscription",
    "reactivateSubscription",
    "createBillingPortalSession",
    "startTrial",
    "syncSubscriptionPlansToStripe",
    "repairSubscriptionBillingPeriods",
    "checkAiAccess",
    "incrementAiUsage",
)
JUNK = [{}, None, {"providerId": "demo_lawyer", "subscriptionId": "sub_123", "dryRun": False}, "x", [1]]


@pytest.mark.parametrize("name", ACCOUNT_CALLABLES)
def test_account_callables_need_a_signed_in_user(web: WebApp, db: Any, name: str) -> None:
    before = plans(db)
    refused(web.call(WEST3, name, {"providerId": "demo_lawyer", "dryRun": False}, None), "UNAUTHENTICATED")
    assert plans(db) == before


@pytest.mark.parametrize(
    ("name", "status", "says"),
    [
        ("cancelSubscription", "PERMISSION_DENIED", "lawyers and expat helpers"),
        ("reactivateSubscription", "PERMISSION_DENIED", "lawyers and expat helpers"),
        ("createBillingPortalSession", "PERMISSION_DENIED", "lawyers and expat helpers"),
        ("startTrial", "PERMISSION_DENIED", "lawyers and expat helpers"),
        ("syncSubscriptionPlansToStripe", "PERMISSION_DENIED", "admins only"),
        ("repairSubscriptionBillingPeriods", "PERMISSION_DENIED", "admins only"),
        ("checkAiAccess", "PERMISSION_DENIED", None),
        ("incrementAiUsage", "PERMISSION_DENIED", None),
    ],
)
@pytest.mark.parametrize("data", JUNK)
def test_account_callables_refuse_a_client(
    web: WebApp, db: Any, name: str, status: str, says: str | None, data: Any
) -> None:
    client = web.sign_up()
    db.document(f"users/{client.uid}").set({"role": "client"})
    before, plans_before = snapshot(db, client.uid), plans(db)
    response = web.call(WEST3, name, data, client)
    refused(response, status)
    assert says is None or says in response.error_message, response.error_message
    assert snapshot(db, client.uid) == before and plans(db) == plans_before


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("cancelSubscription", "no active paid subscription"),
        ("reactivateSubscription", "no active paid subscription"),
        ("createBillingPortalSession", "no billing account yet"),
        ("changeSubscriptionPlan", "no active paid subscription"),
    ],
)
@pytest.mark.parametrize("kind", ["lawyer", "expat"])
def test_a_provider_without_subscription(web: WebApp, db: Any, name: str, says: str, kind: str) -> None:
    account = provider(web, db, kind)
    before = snapshot(db, account.uid)
    response = web.call(WEST3, name, valid(kind), account)
    refused(response, "FAILED_PRECONDITION")
    assert says in response.error_message, response.error_message
    assert snapshot(db, account.uid) == before


def test_ai_usage_of_a_client_with_a_planted_subscription_is_not_counted(web: WebApp, db: Any) -> None:
    """The AI quota is for providers: a client's (wrongly present) subscription is never counted."""
    client = web.sign_up()
    db.document(f"users/{client.uid}").set({"role": "client"})
    db.document(f"subscriptions/{client.uid}").set(
        {"status": "active", "aiAccessEnabled": True, "aiCallsLimit": 5, "currentPeriodCalls": 0}
    )
    before = snapshot(db, client.uid)
    for name in ("checkAiAccess", "incrementAiUsage"):
        refused(web.call(WEST3, name, {"count": 100}, client), "PERMISSION_DENIED")
    assert snapshot(db, client.uid) == before


@pytest.mark.parametrize("data", [{}, {"trialDays": 365, "aiCallsLimit": 1000, "providerId": "demo_lawyer"}])
def test_start_trial_once_ignoring_client_terms(web: WebApp, db: Any, data: dict[str, Any]) -> None:
    lawyer = provider(web, db)
    settings = db.document("settings/subscription").get().to_dict() or {}
    others = snapshot(db, "demo_lawyer")
    first = web.call(WEST3, "startTrial", data, lawyer)
    assert first.status == 200, first.body
    assert first.result["aiCallsLimit"] == settings.get("trialAiCalls", 3)
    trial = db.document(f"subscriptions/{lawyer.uid}").get().to_dict()
    assert trial["trialEndsAt"] - trial["trialStartedAt"] == timedelta(days=settings.get("trialDays", 30))
    before = snapshot(db, lawyer.uid)
    for again in (data, {}, {"force": True}):
        second = web.call(WEST3, "startTrial", again, lawyer)
        refused(second, "FAILED_PRECONDITION")
        assert "already used" in second.error_message
    assert snapshot(db, lawyer.uid) == before
    assert snapshot(db, "demo_lawyer") == others
