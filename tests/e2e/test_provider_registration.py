"""registerProvider over HTTP, as the web app calls it: a signed-up account becomes a pending,
hidden lawyer (profile, sealed phone, role claim in its next ID token) that nobody can book yet."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest

from tests.e2e.conftest import Account, WebApp

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
    hold = {
        "amount": 49,
        "currency": "eur",
        "serviceType": "lawyer_call",
        "providerId": account.uid,
        "clientId": (client := web.sign_up()).uid,
        "callSessionId": f"e2e_{uuid.uuid4().hex[:16]}",
    }
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
