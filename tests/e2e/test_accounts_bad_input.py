"""Bad input to the accounts callables: the right code, the field named, nothing written."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Account, WebApp, wait_for
from tests.e2e.test_provider_registration import FORM

pytestmark = pytest.mark.e2e
WEST1, WEST3 = "europe-west1", "europe-west3"


def documents(db: Any, uid: str) -> dict[str, Any]:
    """What an accounts callable could write about this account."""
    logs = sorted(d.id for d in db.collection("provider_action_logs").stream() if d.id.startswith(f"{uid}_"))
    return {
        "profile": db.document(f"sos_profiles/{uid}").get().to_dict(),
        "private": db.document(f"sos_profiles/{uid}/private/account").get().to_dict(),
        "user": db.document(f"users/{uid}").get().to_dict(),
        "logs": logs,
    }


@pytest.fixture(scope="module")
def pending(stack: Any, db: Any) -> Account:
    """A registered lawyer, still pending, once onProviderCreated has set up its Stripe account
    (the trigger writes the private account: the tests compare it before and after)."""
    web = WebApp()
    account = web.sign_up()
    assert web.call(WEST1, "registerProvider", FORM, account).status == 200
    private = db.document(f"sos_profiles/{account.uid}/private/account")
    wait_for(lambda: (private.get().to_dict() or {}).get("stripeAccountId"), what="onProviderCreated")
    return web.sign_in(account.email, "e2e-password-1")


ADMIN_CALLS = [
    ("approveProvider", {}),
    ("rejectProvider", {"reason": "incomplete"}),
    ("suspendProvider", {"reason": "complaints"}),
]


@pytest.mark.parametrize(("name", "extra"), ADMIN_CALLS)
def test_admin_decisions_refuse_non_admins_and_bad_input(
    web: WebApp, db: Any, pending: Account, name: str, extra: dict[str, Any]
) -> None:
    before = documents(db, pending.uid)
    data = {"providerId": pending.uid, **extra}
    assert web.call(WEST1, name, data, pending).error_status == "PERMISSION_DENIED"
    assert web.call(WEST1, name, data, None).error_status == "UNAUTHENTICATED"
    admin = web.sign_in("admin@demo.sos-expat.test")
    for bad, field in (({**data, "providerId": "../x"}, "providerId"), ({**data, "providerId": 7}, "providerId")):
        refused = web.call(WEST1, name, bad, admin)
        assert refused.error_status == "INVALID_ARGUMENT" and refused.error_message.startswith(f"{field}:")
    if "reason" in extra:
        refused = web.call(WEST1, name, {"providerId": pending.uid}, admin)
        assert refused.error_status == "INVALID_ARGUMENT" and refused.error_message.startswith("reason:")
    assert web.call(WEST1, name, {**data, "providerId": "nobody_here"}, admin).error_status == "NOT_FOUND"
    assert documents(db, pending.uid) == before


def test_the_pending_list_is_for_admins_only(web: WebApp, pending: Account) -> None:
    assert web.call(WEST1, "listPendingProviders", {}, pending).error_status == "PERMISSION_DENIED"
    assert web.call(WEST1, "listPendingProviders", {}, web.sign_up()).error_status == "PERMISSION_DENIED"


@pytest.mark.parametrize(
    ("name", "data", "status", "field"),
    [
        ("setProviderAvailability", {"available": "yes"}, "INVALID_ARGUMENT", "available"),
        ("setProviderAvailability", {}, "INVALID_ARGUMENT", "available"),
        ("setProviderAvailability", {"available": True}, "FAILED_PRECONDITION", "available"),  # not approved
        ("updateProviderProfile", {}, "INVALID_ARGUMENT", "data"),
        ("updateProviderProfile", {"bio": ["x"]}, "INVALID_ARGUMENT", "bio"),
        ("updateProviderProfile", {"languages": ["fr", 3]}, "INVALID_ARGUMENT", "languages"),
        ("updateProviderProfile", {"firstName": "x" * 81}, "INVALID_ARGUMENT", "firstName"),
    ],
)
def test_provider_self_service_bad_input(
    web: WebApp, db: Any, pending: Account, name: str, data: dict[str, Any], status: str, field: str
) -> None:
    before = documents(db, pending.uid)
    refused = web.call(WEST1, name, data, pending)
    assert refused.error_status == status and refused.error_message.startswith(f"{field}:"), refused.body
    assert documents(db, pending.uid) == before


def test_self_service_is_for_providers(web: WebApp, db: Any) -> None:
    client = web.sign_up()
    for region, name, data in (
        (WEST1, "setProviderAvailability", {"available": True}),
        (WEST1, "updateProviderProfile", {"bio": "hello"}),
        (WEST3, "getStripeOnboardingLink", {}),
    ):
        assert web.call(region, name, data, client).error_status == "PERMISSION_DENIED", name
        assert web.call(region, name, data, None).error_status == "UNAUTHENTICATED", name
    assert documents(db, client.uid) == {"profile": None, "private": None, "user": None, "logs": []}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"lastName": "M", "country": "FR", "language": "fr"}, "firstName"),
        ({"firstName": "L", "lastName": "M", "country": "France", "language": "fr"}, "country"),
        ({"firstName": "L", "lastName": "M", "country": "FR", "language": 1}, "language"),
    ],
)
def test_client_profile_bad_input(web: WebApp, db: Any, data: dict[str, Any], field: str) -> None:
    client = web.sign_up()
    refused = web.call(WEST1, "completeClientProfile", data, client)
    assert refused.error_status == "INVALID_ARGUMENT" and refused.error_message.startswith(f"{field}:")
    assert documents(db, client.uid)["user"] is None
