"""A client signs up from the web app (Auth client SDK REST): the blocking function gives the
account its client role before the first ID token, completeClientProfile writes users/{uid}, and
the account books a call."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests

from tests.e2e.conftest import AUTH, WebApp
from tests.e2e.test_provider_registration import claims

pytestmark = pytest.mark.e2e
WEST1, WEST3 = "europe-west1", "europe-west3"


def test_a_signed_up_client_has_its_role_completes_its_profile_and_books(web: WebApp, db: Any) -> None:
    client = web.sign_up()
    assert claims(client)["role"] == "client", "set by beforeUserCreated, not by the client"
    form = {"firstName": "Lea", "lastName": "Martin", "country": "DE", "language": "fr"}
    done = web.call(WEST1, "completeClientProfile", form, client)
    assert done.result == {"uid": client.uid, "role": "client", "created": True, "referredBy": None}
    user = db.document(f"users/{client.uid}").get().to_dict()
    assert (user["role"], user["email"], user["country"]) == ("client", client.email, "DE")
    assert web.call(WEST1, "completeClientProfile", {**form, "lastName": "Roy"}, client).result["created"] is False

    hold = {
        "amount": 49,
        "currency": "eur",
        "serviceType": "lawyer_call",
        "providerId": "demo_lawyer",
        "clientId": client.uid,
        "callSessionId": f"e2e_{uuid.uuid4().hex[:16]}",
    }
    assert web.call(WEST3, "createPaymentIntent", hold, client).status == 200


def test_a_client_cannot_give_itself_another_role(web: WebApp) -> None:
    client = web.sign_up()
    # What a client could try with its own ID token: the Auth REST API refuses custom claims from it.
    tried = requests.post(
        f"{AUTH}/accounts:update?key=fake-api-key",
        json={"idToken": client.id_token, "customAttributes": '{"role": "admin", "admin": true}'},
        timeout=10,
    )
    assert tried.status_code == 400
    assert claims(web.sign_in(client.email, "e2e-password-1")).get("admin") is None
    refused = web.call(WEST1, "completeClientProfile", {"firstName": "A", "lastName": "B", "country": "FR"}, client)
    assert refused.error_status == "INVALID_ARGUMENT" and refused.error_message.startswith("language:")
