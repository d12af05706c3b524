"""A lawyer paid through Stripe Connect, end to end: registers, gets an Express account from
onProviderCreated, onboards (requirements driven to complete on the local Stripe, account.updated
delivered to stripeWebhook), is approved, goes online, and is booked: the hold is a destination
charge with the platform fee, captured when the call ends."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from google.cloud.firestore_v1.base_query import FieldFilter

from devtools import ports
from tests.e2e.booking import authorized_hold, schedule, settled_session, stripe_intent
from tests.e2e.conftest import STRIPE, WebApp, wait_for
from tests.e2e.test_provider_registration import FORM

pytestmark = pytest.mark.e2e
WEST1, WEST3 = "europe-west1", "europe-west3"
LAWYER_FEE = 1900  # the platform fee of a 49 EUR lawyer call (settings/pricing, seeded)


def test_a_stripe_lawyer_onboards_is_approved_and_is_paid_by_destination_charge(web: WebApp, db: Any) -> None:
    lawyer = web.sign_up()
    assert web.call(WEST1, "registerProvider", {**FORM, "phone": "+33600000001"}, lawyer).status == 200
    lawyer = web.sign_in(lawyer.email, "e2e-password-1")
    private = db.document(f"sos_profiles/{lawyer.uid}/private/account")
    account_id = wait_for(
        lambda: (private.get().to_dict() or {}).get("stripeAccountId"), what="onProviderCreated's Express account"
    )
    assert private.get().to_dict()["canReceiveTransfers"] is False

    link = web.call(WEST3, "getStripeOnboardingLink", {}, lawyer)
    assert link.result["kind"] == "onboarding" and "/_test/connect/onboarding/" in link.result["url"]
    admin = web.sign_in("admin@demo.sos-expat.test")
    refused = web.call(WEST1, "approveProvider", {"providerId": lawyer.uid}, admin)
    assert refused.error_status == "FAILED_PRECONDITION", "KYC is not complete"

    onboarded = requests.post(
        f"{STRIPE}/_test/accounts/{account_id}/complete_onboarding", auth=(ports.STRIPE_SECRET_KEY, ""), timeout=10
    )
    onboarded.raise_for_status()
    wait_for(
        lambda: (private.get().to_dict() or {}).get("kycStatus") == "complete",
        what="account.updated to reach stripeWebhook",
    )
    assert private.get().to_dict()["canReceiveTransfers"] is True
    assert web.call(WEST3, "getStripeOnboardingLink", {}, lawyer).result["kind"] == "dashboard"
    assert web.call(WEST1, "approveProvider", {"providerId": lawyer.uid}, admin).result["changed"] is True
    assert web.call(WEST1, "setProviderAvailability", {"available": True}, lawyer).status == 200

    client = web.sign_up()
    hold = authorized_hold(web, db, client, lawyer.uid)
    intent = stripe_intent(hold["paymentIntentId"])
    assert intent["transfer_data"]["destination"] == account_id
    assert intent["application_fee_amount"] == LAWYER_FEE
    scheduled = schedule(web, client, lawyer.uid, hold, "+33611111111")
    assert scheduled.status == 200, scheduled.body
    session = settled_session(db, scheduled.result["callSessionId"])
    assert (session["status"], session["payment"]["state"]) == ("completed", "captured")
    assert stripe_intent(hold["paymentIntentId"])["status"] == "succeeded"

    # An admin refunds half: the payment and the provider's earnings drop by half, and so does
    # the provider's transfer (reversed in proportion), the platform's fee likewise.
    by_provider = {"callSessionId": session["callSessionId"], "reason": "mine"}
    assert web.call(WEST3, "refundCallPayment", by_provider, lawyer).error_status == "PERMISSION_DENIED"
    half = web.call(
        WEST3,
        "refundCallPayment",
        {"callSessionId": session["callSessionId"], "amountCents": 2450, "reason": "cut off"},
        admin,
    )
    assert half.status == 200, half.body
    assert (half.result["state"], half.result["refundedAmount"]) == ("partially_refunded", 2450)
    refunded = db.document(f"call_sessions/{session['callSessionId']}").get().to_dict()
    assert refunded["providerEarnings"] == (4900 - LAWYER_FEE) // 2
    assert db.document(f"payments/{hold['paymentIntentId']}").get().to_dict()["state"] == "partially_refunded"
    charge = stripe_intent(hold["paymentIntentId"])["latest_charge"]
    charge = charge if isinstance(charge, str) else charge["id"]
    paid = stripe_get(f"/v1/charges/{charge}")
    # Stripe transfers the whole charge and takes the fee back from the provider's account: half
    # of each is reversed, so the provider gives back half of what it earned.
    reversed_amount = stripe_get(f"/v1/transfers/{paid['transfer']}")["amount_reversed"]
    fee_refunded = stripe_get(f"/v1/application_fees/{paid['application_fee']}")["amount_refunded"]
    assert (reversed_amount, fee_refunded) == (2450, LAWYER_FEE // 2)
    assert reversed_amount - fee_refunded == (4900 - LAWYER_FEE) // 2
    too_much = web.call(
        WEST3,
        "refundCallPayment",
        {"callSessionId": session["callSessionId"], "amountCents": 2451, "reason": "x"},
        admin,
    )
    assert too_much.error_status == "INVALID_ARGUMENT" and too_much.error_message.startswith("amountCents:")


def stripe_get(path: str) -> dict[str, Any]:
    response = requests.get(f"{STRIPE}{path}", auth=(ports.STRIPE_SECRET_KEY, ""), timeout=10)
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


def test_after_stripe_fails_the_express_account_the_onboarding_link_creates_it_under_a_new_key(
    web: WebApp, db: Any
) -> None:
    """Stripe saves a 5xx under the request's idempotency key and replays it for 24 h: the same
    key would keep the provider from onboarding for a day."""
    fault: dict[str, Any] = {"path": "/v1/accounts", "status": 500, "times": 1, "method": "POST"}
    requests.post(
        f"{STRIPE}/_test/faults", json=fault, auth=(ports.STRIPE_SECRET_KEY, ""), timeout=10
    ).raise_for_status()
    lawyer = web.sign_up()
    assert web.call(WEST1, "registerProvider", {**FORM, "phone": "+33600000001"}, lawyer).status == 200
    lawyer = web.sign_in(lawyer.email, "e2e-password-1")
    private = db.document(f"sos_profiles/{lawyer.uid}/private/account")
    spent = db.collection("stripe_spent_keys").where(filter=FieldFilter("key", "==", f"connect-account:{lawyer.uid}"))
    wait_for(
        lambda: [doc.to_dict()["spent"] for doc in spent.get()] == [1],
        what="onProviderCreated to meet the 500 and spend its key",
    )
    left = requests.get(f"{STRIPE}/_test/faults", auth=(ports.STRIPE_SECRET_KEY, ""), timeout=10).json()["data"]
    assert left == [] and "stripeAccountId" not in (private.get().to_dict() or {})

    link = web.call(WEST3, "getStripeOnboardingLink", {}, lawyer)
    assert link.status == 200, link.body
    assert link.result["kind"] == "onboarding"
    account_id = private.get().to_dict()["stripeAccountId"]
    assert stripe_get(f"/v1/accounts/{account_id}")["metadata"]["providerId"] == lawyer.uid
