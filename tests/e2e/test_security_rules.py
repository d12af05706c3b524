"""Firestore security rules on the emulator: clients read their own, write no money document,
and see only the public fields of provider profiles."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests

from devtools import ports
from shared.accounts.services.provider_profiles import PRIVATE_FIELDS
from tests.e2e.booking import authorized_hold, new_provider, schedule
from tests.e2e.conftest import Account, WebApp, wait_for
from tests.e2e.test_provider_registration import FORM

pytestmark = pytest.mark.e2e
DOCS = f"http://{ports.HOST}:{ports.FIRESTORE_PORT}/v1/projects/{ports.PROJECT_ID}/databases/(default)/documents"


def as_user(method: str, path: str, account: Account | None, body: dict[str, Any] | None = None) -> int:
    headers = {"Authorization": f"Bearer {account.id_token}"} if account else {}
    return requests.request(method, f"{DOCS}/{path}", json=body, headers=headers, timeout=10).status_code


FORGED = {"fields": {"state": {"stringValue": "captured"}, "amount": {"integerValue": "1"}}}


def test_clients_cannot_write_money_or_call_documents(web: WebApp, db: Any) -> None:
    client = web.sign_up()
    provider_id = new_provider(db, "+33600000001")
    hold = authorized_hold(web, db, client, provider_id)
    payment = f"payments/{hold['paymentIntentId']}"
    for path in (
        payment,
        f"call_sessions/{uuid.uuid4().hex}",
        f"sos_profiles/{client.uid}",
        f"users/{client.uid}",
        "settings/pricing",
        f"processed_events/evt_{uuid.uuid4().hex}",
        f"payment_audit_logs/{uuid.uuid4().hex}",
        f"subscriptions/{client.uid}",
        f"mail/{uuid.uuid4().hex}",
    ):
        assert as_user("PATCH", path, client, FORGED) == 403, path
    assert db.document(payment).get().to_dict()["state"] == "authorized"


def test_clients_read_their_own_payment_only(web: WebApp, db: Any) -> None:
    client, stranger = web.sign_up(), web.sign_up()
    hold = authorized_hold(web, db, client, new_provider(db, "+33600000001"))
    payment = f"payments/{hold['paymentIntentId']}"
    assert as_user("GET", payment, client) == 200
    assert as_user("GET", payment, stranger) == 403
    assert as_user("GET", payment, None) == 403
    assert as_user("GET", "settings/pricing", None) == 200
    assert as_user("GET", "settings/payments", client) == 403


def test_providers_read_their_subscription_and_the_catalogue_but_write_nothing(web: WebApp, db: Any) -> None:
    provider, stranger = web.sign_up(), web.sign_up()
    db.document(f"subscriptions/{provider.uid}").set({"providerId": provider.uid, "status": "active"})
    path = f"subscriptions/{provider.uid}"
    assert as_user("GET", path, provider) == 200
    assert as_user("GET", path, stranger) == 403
    assert as_user("GET", path, None) == 403
    assert as_user("GET", "subscription_plans/lawyer_pro", None) == 200
    assert as_user("GET", "settings/subscription", None) == 200
    # Seed 004 I9: a trial (or any subscription state) cannot be written from the browser.
    trial = {"fields": {"status": {"stringValue": "trialing"}, "aiAccessEnabled": {"booleanValue": True}}}
    assert as_user("PATCH", f"subscriptions/{stranger.uid}", stranger, trial) == 403
    assert as_user("PATCH", f"trials/{stranger.uid}", stranger, trial) == 403
    assert as_user("PATCH", "subscription_plans/lawyer_pro", provider, trial) == 403
    assert db.document(f"subscriptions/{stranger.uid}").get().exists is False


def _listed(account: Account | None, where: list[tuple[str, dict[str, Any]]], limit: int = 50) -> list[dict[str, Any]]:
    """The profiles a web app query lists (Firestore REST runQuery), as field maps."""
    filters = [{"fieldFilter": {"field": {"fieldPath": f}, "op": "EQUAL", "value": v}} for f, v in where]
    query: dict[str, Any] = {
        "structuredQuery": {
            "from": [{"collectionId": "sos_profiles"}],
            "where": {"compositeFilter": {"op": "AND", "filters": filters}},
            "limit": limit,
        }
    }
    headers = {"Authorization": f"Bearer {account.id_token}"} if account else {}
    response = requests.post(f"{DOCS}:runQuery", json=query, headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    return [row["document"]["fields"] for row in response.json() if "document" in row]


def _read(path: str, account: Account | None) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {account.id_token}"} if account else {}
    response = requests.get(f"{DOCS}/{path}", headers=headers, timeout=10)
    return response.status_code, response.json().get("fields", {}) if response.ok else {}


def test_visible_profiles_show_only_public_fields_and_the_private_account_only_to_its_provider(
    web: WebApp, db: Any
) -> None:
    provider, client, stranger = web.sign_up("lawyer"), web.sign_up(), web.sign_up()
    admin = web.sign_in("admin@demo.sos-expat.test")
    name = f"E2E Rules {provider.uid}"
    new_provider(db, "+33600000002", provider_id=provider.uid)  # never answers: stays booked a while
    db.document(f"sos_profiles/{provider.uid}").update({"displayName": name})
    private = f"sos_profiles/{provider.uid}/private/account"
    hold = authorized_hold(web, db, client, provider.uid)
    booked = schedule(web, client, provider.uid, hold, "+33611111111")
    assert booked.status == 200, booked.body
    # What registration and earlier calls add (local Stripe has no Connect accounts to book with).
    db.document(private).set(
        {"email": provider.email, "stripeAccountId": "acct_e2e", "earningsByCurrency": {"eur": 3000}}, merge=True
    )

    for reader in (None, stranger, client):
        status, fields = _read(f"sos_profiles/{provider.uid}", reader)
        assert status == 200 and fields["availability"] == {"stringValue": "busy"}
        assert not PRIVATE_FIELDS & fields.keys(), sorted(PRIVATE_FIELDS & fields.keys())
        [listed] = _listed(reader, [("isVisible", {"booleanValue": True}), ("displayName", {"stringValue": name})])
        assert listed == fields
        for other in _listed(reader, [("isVisible", {"booleanValue": True})]):
            assert not PRIVATE_FIELDS & other.keys(), sorted(PRIVATE_FIELDS & other.keys())
        assert _read(private, reader)[0] == 403

    for owner in (provider, admin):
        status, fields = _read(private, owner)
        assert status == 200, owner.email
        assert fields["currentCallSessionId"] == {"stringValue": booked.result["callSessionId"]}
        assert {"email", "phoneSealed", "stripeAccountId", "earningsByCurrency", "busySince"} <= fields.keys()
    assert as_user("PATCH", private, provider, FORGED) == 403
    assert as_user("PATCH", f"sos_profiles/{provider.uid}", provider, FORGED) == 403
    assert db.document(private).get().to_dict()["stripeAccountId"] == "acct_e2e"


def test_a_registered_provider_reads_and_edits_only_its_own_editable_fields(web: WebApp, db: Any) -> None:
    """A provider as registerProvider leaves it: pending and hidden, with a PayPal payout method."""
    provider, other, stranger = web.sign_up(), web.sign_up(), web.sign_up()
    form = {**FORM, "payoutMethod": "paypal", "paypalEmail": f"pay-{provider.uid}@e2e.sos-expat.test"}
    assert web.call("europe-west1", "registerProvider", form, provider).status == 200
    assert web.call("europe-west1", "registerProvider", FORM, other).status == 200
    profile, private = f"sos_profiles/{provider.uid}", f"sos_profiles/{provider.uid}/private/account"
    wait_for(
        lambda: (db.document(private).get().to_dict() or {}).get("paypalAccountStatus") == "active",
        what="onProviderCreated",
    )
    provider = web.sign_in(provider.email, "e2e-password-1")
    other = web.sign_in(other.email, "e2e-password-1")

    for reader in (None, stranger, other):  # pending: not listed, not readable
        assert _read(profile, reader)[0] == 403
        assert _read(private, reader)[0] == 403
    status, own = _read(private, provider)
    assert status == 200 and {"paypalEmail", "phoneSealed", "email", "paypalAccountStatus"} <= own.keys()
    assert _read(profile, provider)[0] == 200
    assert _read(f"sos_profiles/{other.uid}/private/account", provider)[0] == 403

    # Its editable fields through updateProviderProfile only; never its approval, nor by writing.
    approve = {"fields": {"approvalStatus": {"stringValue": "approved"}, "isVisible": {"booleanValue": True}}}
    assert as_user("PATCH", f"{profile}?updateMask.fieldPaths=approvalStatus", provider, approve) == 403
    assert as_user("PATCH", f"{private}?updateMask.fieldPaths=paypalEmail", provider, FORGED) == 403
    edited = web.call("europe-west1", "updateProviderProfile", {"bio": "Visas and residence permits."}, provider)
    assert edited.status == 200, edited.body
    refused = web.call("europe-west1", "updateProviderProfile", {"approvalStatus": "approved"}, provider)
    assert refused.error_status == "INVALID_ARGUMENT" and "approvalStatus" in refused.error_message
    assert web.call("europe-west1", "updateProviderProfile", {"bio": "mine"}, stranger).error_status == (
        "PERMISSION_DENIED"
    )
    assert db.document(profile).get().to_dict()["approvalStatus"] == "pending"

    admin = web.sign_in("admin@demo.sos-expat.test")
    assert web.call("europe-west1", "approveProvider", {"providerId": provider.uid}, admin).status == 200
    for reader in (None, stranger, other):  # approved and visible: the public fields only
        status, fields = _read(profile, reader)
        assert status == 200 and fields["bio"] == {"stringValue": "Visas and residence permits."}
        assert not PRIVATE_FIELDS & fields.keys(), sorted(PRIVATE_FIELDS & fields.keys())
        assert not {"paypalEmail", "kycStatus", "phoneSealed", "email"} & fields.keys()
        assert _read(private, reader)[0] == 403
    assert _read(f"sos_profiles/{other.uid}", None)[0] == 403, "still pending"
