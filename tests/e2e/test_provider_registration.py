"""registerProvider over HTTP, as the web app calls it: a signed-up account becomes a pending,
hidden lawyer (profile, sealed phone, role claim in its next ID token) that nobody can book yet."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest

from tests.e2e.booking import authorized_hold, schedule, settled_session, stripe_intent
from tests.e2e.conftest import Account, WebApp, wait_for

pytestmark = pytest.mark.e2e
WEST1, WEST3 = "europe-west1", "europe-west3"
FORM: dict[str, Any] = {
    "providerType": "lawyer",
    "firstName": "Ana",
    "lastName": "Ruiz",
    "country": "FR",
    "languages": ["fr", "en"],
    "phone": "+33612345678",
    "specialties": ["immigration"],
    "bio": "Immigration law.",
    "payoutMethod": "stripe",
}


def hold_for(web: WebApp, provider_id: str, **overrides: Any) -> tuple[dict[str, Any], Account]:
    client = web.sign_up()
    data = {
        "amount": 49,
        "currency": "eur",
        "serviceType": "lawyer_call",
        "providerId": provider_id,
        "clientId": client.uid,
        "callSessionId": f"e2e_{uuid.uuid4().hex[:16]}",
        **overrides,
    }
    return data, client


def claims(account: Account) -> dict[str, Any]:
    payload = account.id_token.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return decoded


def test_a_client_account_registers_as_a_lawyer_once(web: WebApp, db: Any) -> None:
    account = web.sign_up()
    registered = web.call(WEST1, "registerProvider", FORM, account)
    assert registered.status == 200, registered.body
    assert registered.result == {"providerId": account.uid, "type": "lawyer", "approvalStatus": "pending"}
    profile = db.document(f"sos_profiles/{account.uid}").get().to_dict()
    assert (profile["approvalStatus"], profile["isVisible"], profile["type"]) == ("pending", False, "lawyer")
    assert "phoneSealed" not in profile and "email" not in profile
    private = db.document(f"sos_profiles/{account.uid}/private/account").get().to_dict()
    assert private["email"] == account.email and "+33612345678" not in json.dumps(private, default=str)
    assert db.document(f"users/{account.uid}").get().to_dict()["role"] == "lawyer"
    assert claims(web.sign_in(account.email, "e2e-password-1"))["role"] == "lawyer"

    again = web.call(WEST1, "registerProvider", FORM, web.sign_in(account.email, "e2e-password-1"))
    assert again.error_status == "ALREADY_EXISTS"
    hold, client = hold_for(web, account.uid)
    refused = web.call(WEST3, "createPaymentIntent", hold, client)
    assert refused.error_status == "FAILED_PRECONDITION" and "not approved" in refused.error_message


@pytest.mark.parametrize(
    ("field", "value"),
    [("phone", "+33145678901"), ("providerType", "doctor"), ("country", "ZZ"), ("languages", "fr")],
)
def test_bad_input_names_the_field_and_creates_nothing(web: WebApp, db: Any, field: str, value: Any) -> None:
    account = web.sign_up()
    refused = web.call(WEST1, "registerProvider", {**FORM, field: value}, account)
    assert refused.error_status == "INVALID_ARGUMENT" and refused.error_message.startswith(f"{field}:")
    assert not db.document(f"sos_profiles/{account.uid}").get().exists
    assert not db.document(f"users/{account.uid}").get().exists
    assert claims(web.sign_in(account.email, "e2e-password-1"))["role"] == "client"


def test_registration_needs_a_signed_in_account(web: WebApp) -> None:
    assert web.call(WEST1, "registerProvider", FORM, None).error_status == "UNAUTHENTICATED"


def test_a_paypal_expat_is_set_up_approved_goes_online_and_is_bookable(web: WebApp, db: Any) -> None:
    expat = web.sign_up()
    form = {**FORM, "providerType": "expat", "payoutMethod": "paypal", "specialties": ["housing"]}
    form["phone"] = "+33600000001"  # the simulator's persona that answers, presses 1 and talks
    assert web.call(WEST1, "registerProvider", form, expat).status == 200
    private = db.document(f"sos_profiles/{expat.uid}/private/account")
    wait_for(
        lambda: (private.get().to_dict() or {}).get("paypalAccountStatus") == "active",
        what="onProviderCreated to activate the PayPal payout method",
    )
    assert private.get().to_dict()["paypalEmail"] == expat.email
    expat = web.sign_in(expat.email, "e2e-password-1")  # its token now says expat
    assert web.call(WEST1, "setProviderAvailability", {"available": True}, expat).error_status == "FAILED_PRECONDITION"
    assert web.call(WEST1, "approveProvider", {"providerId": expat.uid}, expat).error_status == "PERMISSION_DENIED"

    admin = web.sign_in("admin@demo.sos-expat.test")
    pending = web.call(WEST1, "listPendingProviders", {}, admin).result["providers"]
    assert expat.uid in [p["providerId"] for p in pending]
    approved = web.call(WEST1, "approveProvider", {"providerId": expat.uid}, admin)
    assert approved.result == {"providerId": expat.uid, "approvalStatus": "approved", "changed": True}
    logs = [d.to_dict() for d in db.collection("provider_action_logs").stream()]
    [log] = [entry for entry in logs if entry["providerId"] == expat.uid and entry["action"] == "approved"]
    assert log["actor"] == "demo_admin"

    online = web.call(WEST1, "setProviderAvailability", {"available": True}, expat)
    assert online.result == {"providerId": expat.uid, "availability": "available"}
    profile = db.document(f"sos_profiles/{expat.uid}").get().to_dict()
    assert (profile["isVisible"], profile["availability"], profile["isOnline"]) == (True, "available", True)
    # Booked and called: a PayPal provider is paid later from the platform balance, so the
    # hold is an ordinary charge (no destination), captured when the call ends.
    client = web.sign_up()
    hold = authorized_hold(web, db, client, expat.uid, service_type="expat_call")
    intent = stripe_intent(hold["paymentIntentId"])
    assert intent.get("transfer_data") is None and intent.get("application_fee_amount") is None
    scheduled = schedule(web, client, expat.uid, hold, "+33611111111", service_type="expat_call")
    assert scheduled.status == 200, scheduled.body
    session = settled_session(db, scheduled.result["callSessionId"])
    assert (session["status"], session["payment"]["state"], session["amount"]) == ("completed", "captured", 1900)
    assert session["providerEarnings"] == 1900 - 900  # the price less the platform fee

    suspended = web.call(WEST1, "suspendProvider", {"providerId": expat.uid, "reason": "complaints"}, admin)
    assert suspended.result["approvalStatus"] == "suspended"
    later, other = hold_for(web, expat.uid, serviceType="expat_call", amount=19)
    assert web.call(WEST3, "createPaymentIntent", later, other).error_status == "FAILED_PRECONDITION"
