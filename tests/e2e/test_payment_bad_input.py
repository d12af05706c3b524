"""Bad input to createPaymentIntent: the right error code, the field named, nothing written."""

import uuid
from typing import Any

import pytest

from tests.e2e.conftest import Account, WebApp

WEST3 = "europe-west3"
pytestmark = pytest.mark.e2e
COLLECTIONS = ("payments", "payment_requests", "payment_audit_logs", "rate_limits")
FIELDS = ("amount", "currency", "serviceType", "providerId", "clientId", "callSessionId")


def valid(account: Account) -> dict[str, Any]:
    return {
        "amount": "49.00",
        "currency": "eur",
        "serviceType": "lawyer_call",
        "providerId": "demo_lawyer",
        "clientId": account.uid,
        "callSessionId": f"bad_{uuid.uuid4().hex[:12]}",
    }


def snapshot(db: Any) -> dict[str, int]:
    """What createPaymentIntent could write. Audit entries of late Stripe webhooks from earlier
    tests (actor stripe/system) are left out: they may land at any time."""
    counts = {name: len(db.collection(name).get()) for name in COLLECTIONS if name != "payment_audit_logs"}
    audit = [d.to_dict() for d in db.collection("payment_audit_logs").stream()]
    counts["payment_audit_logs"] = sum(1 for a in audit if a.get("actor") not in ("stripe", "system"))
    return counts


BAD_VALUES: list[tuple[str, Any]] = [
    ("amount", "forty-nine"),
    ("amount", "NaN"),
    ("amount", "Infinity"),
    ("amount", -49),
    ("amount", 49.001),
    ("amount", 10**13),
    ("amount", "1e999999999"),  # overflowed the decimal context (INTERNAL) before the bound
    ("amount", "1e-999999999"),
    ("amount", "9" * 400),
    ("amount", True),
    ("amount", None),
    ("amount", [49]),
    ("amount", 48),  # not the server's price
    ("currency", "gbp"),
    ("currency", 978),
    ("currency", None),
    ("serviceType", "plumbing"),
    ("serviceType", 1),
    ("serviceType", "expat_call"),  # demo_lawyer offers lawyer calls
    ("providerId", ""),
    ("providerId", "a/b"),
    ("providerId", 42),
    ("providerId", "x" * 500),
    ("callSessionId", ""),
    ("callSessionId", "../payments/x"),
    ("callSessionId", {"id": 1}),
    ("clientId", ""),
    ("clientId", None),
]


@pytest.mark.parametrize("missing", FIELDS)
def test_every_missing_field_is_named(web: WebApp, db: Any, missing: str) -> None:
    client = web.sign_up()
    data = valid(client)
    del data[missing]
    before = snapshot(db)
    response = web.call(WEST3, "createPaymentIntent", data, client)
    assert response.status == 400
    assert response.error_status == "INVALID_ARGUMENT"
    assert response.error_message.startswith(f"{missing}:"), response.error_message
    assert snapshot(db) == before


@pytest.mark.parametrize(("field", "value"), BAD_VALUES)
def test_wrong_types_and_absurd_values_are_named(web: WebApp, db: Any, field: str, value: Any) -> None:
    client = web.sign_up()
    data = {**valid(client), field: value}
    before = snapshot(db)
    response = web.call(WEST3, "createPaymentIntent", data, client)
    assert response.error_status == "INVALID_ARGUMENT", response.body
    assert response.error_message.startswith(f"{field}:"), response.error_message
    assert snapshot(db) == before


@pytest.mark.parametrize("data", [None, [], "booking", 49])
def test_data_that_is_not_an_object(web: WebApp, db: Any, data: Any) -> None:
    client = web.sign_up()
    before = snapshot(db)
    response = web.call(WEST3, "createPaymentIntent", data, client)
    assert response.error_status == "INVALID_ARGUMENT"
    assert response.error_message.startswith("data:")
    assert snapshot(db) == before


def test_unauthenticated_and_someone_elses_client_id(web: WebApp, db: Any) -> None:
    client, other = web.sign_up(), web.sign_up()
    before = snapshot(db)
    anonymous = web.call(WEST3, "createPaymentIntent", valid(client), None)
    assert anonymous.status == 401 and anonymous.error_status == "UNAUTHENTICATED"
    impostor = web.call(WEST3, "createPaymentIntent", valid(client), other)
    assert impostor.status == 403 and impostor.error_status == "PERMISSION_DENIED"
    assert "clientId" in impostor.error_message
    assert snapshot(db) == before


def test_unknown_provider(web: WebApp, db: Any) -> None:
    client = web.sign_up()
    before = snapshot(db)
    response = web.call(WEST3, "createPaymentIntent", {**valid(client), "providerId": "nobody"}, client)
    assert response.status == 404 and response.error_status == "NOT_FOUND"
    assert response.error_message.startswith("providerId:")
    assert snapshot(db) == before
