"""Bad input to createAndScheduleCall: the right code, the field named, nothing written."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.booking import authorized_hold, new_provider
from tests.e2e.conftest import WebApp

pytestmark = pytest.mark.e2e
COLLECTIONS = ("call_sessions", "mail", "sms_outbox")


def snapshot(db: Any) -> dict[str, int]:
    """What createAndScheduleCall could write: sessions and the "booked" notifications (other
    tests' late call notifications may land at any time and are left out)."""
    return {
        name: sum(1 for d in db.collection(name).stream() if name == "call_sessions" or d.id.startswith("booked_"))
        for name in COLLECTIONS
    }


@pytest.fixture(scope="module")
def booking(stack: Any, db: Any) -> dict[str, Any]:
    web = WebApp()
    client = web.sign_up()
    provider_id = new_provider(db, "+33600000001")
    hold = authorized_hold(web, db, client, provider_id)
    return {"web": web, "client": client, "providerId": provider_id, "paymentIntentId": hold["paymentIntentId"]}


def valid(booking: dict[str, Any]) -> dict[str, Any]:
    return {
        "providerId": booking["providerId"],
        "clientId": booking["client"].uid,
        "paymentIntentId": booking["paymentIntentId"],
        "clientPhone": "+33611111111",
        "serviceType": "lawyer_call",
        "language": "fr",
    }


@pytest.mark.parametrize(
    ("field", "value", "status"),
    [
        ("clientPhone", None, "INVALID_ARGUMENT"),
        ("clientPhone", "0611111111", "INVALID_ARGUMENT"),
        ("clientPhone", "+3361", "INVALID_ARGUMENT"),
        ("clientPhone", 33611111111, "INVALID_ARGUMENT"),
        ("providerPhone", "+33699999999", "INVALID_ARGUMENT"),  # not the number on file
        ("providerPhone", "call me", "INVALID_ARGUMENT"),
        ("paymentIntentId", "not-a-payment", "INVALID_ARGUMENT"),
        ("paymentIntentId", "pi_unknown123", "NOT_FOUND"),
        ("serviceType", "plumbing", "INVALID_ARGUMENT"),
        ("serviceType", "expat_call", "FAILED_PRECONDITION:paymentIntentId"),  # the hold is for a lawyer call
        ("language", "klingon", "INVALID_ARGUMENT"),
        ("providerId", "../x", "INVALID_ARGUMENT"),
        ("providerId", "someone_else", "FAILED_PRECONDITION:paymentIntentId"),  # the hold is another provider's
    ],
)
def test_bad_fields_are_named_and_nothing_is_written(
    booking: dict[str, Any], db: Any, field: str, value: Any, status: str
) -> None:
    status, _, named = status.partition(":")
    before = snapshot(db)
    response = booking["web"].call(
        "europe-west1", "createAndScheduleCall", {**valid(booking), field: value}, booking["client"]
    )
    assert response.error_status == status, response.body
    assert response.error_message.startswith(f"{named or field}:"), response.error_message
    assert snapshot(db) == before


def test_unauthenticated_or_someone_elses_payment(booking: dict[str, Any], db: Any) -> None:
    before = snapshot(db)
    web = booking["web"]
    assert web.call("europe-west1", "createAndScheduleCall", valid(booking), None).error_status == "UNAUTHENTICATED"
    other = web.sign_up()
    impostor = web.call("europe-west1", "createAndScheduleCall", {**valid(booking), "clientId": other.uid}, other)
    assert impostor.error_status == "PERMISSION_DENIED" and "paymentIntentId" in impostor.error_message
    assert snapshot(db) == before
