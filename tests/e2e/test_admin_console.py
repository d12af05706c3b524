"""The admin console over HTTP: an admin raises the lawyer call price and the next hold uses it
(the old amount refused); a bad rate is refused with nothing changed; the change is in the
history and reverted; a disabled user's next call is refused; the dashboard shows the day's
captured booking; nobody but an admin gets into any admin callable, and every admin action
leaves one `admin_action_logs` row."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from google.cloud.firestore_v1.base_query import FieldFilter

from devtools import cron
from devtools.manifest import build_manifest
from tests.e2e.booking import book, new_provider, settled_session
from tests.e2e.conftest import Account, WebApp, wait_for

pytestmark = pytest.mark.e2e
WEST1, WEST3 = "europe-west1", "europe-west3"
ANSWERS = "+33600000001"
ADMIN_FUNCTIONS = sorted(
    (f["region"], f["name"])
    for f in build_manifest()["functions"]
    if f["trigger"] == "callable" and f["labels"].get("access") == "admin"
)


def admin_rows(db: Any, action: str) -> int:
    return len(list(db.collection("admin_action_logs").where(filter=FieldFilter("action", "==", action)).stream()))


def hold_for(web: WebApp, client: Account, provider_id: str, amount: int) -> Any:
    return web.call(
        WEST3,
        "createPaymentIntent",
        {
            "amount": amount,
            "currency": "eur",
            "serviceType": "lawyer_call",
            "providerId": provider_id,
            "clientId": client.uid,
            "callSessionId": f"e2e_price_{client.uid[:10]}_{amount}",
        },
        client,
    )


def test_a_price_raised_by_an_admin_is_used_by_the_next_hold_then_reverted(web: WebApp, db: Any) -> None:
    admin = web.sign_in("admin@demo.sos-expat.test")
    before = web.call(WEST1, "getSettings", {"name": "pricing"}, admin)
    assert before.status == 200, before.body
    price = before.result["values"]["lawyer_call"]["eur"]["amount"]
    rows = admin_rows(db, "updateSettings")
    raised = web.call(
        WEST1,
        "updateSettings",
        {"name": "pricing", "values": {"lawyer_call": {"eur": {"amount": price + 1000}}}},
        admin,
    )
    assert raised.status == 200, raised.body
    assert admin_rows(db, "updateSettings") == rows + 1
    try:
        client, provider_id = web.sign_up(), new_provider(db, ANSWERS)
        old = hold_for(web, client, provider_id, price // 100)
        assert old.error_status == "INVALID_ARGUMENT" and old.error_message.startswith("amount:"), old.body
        new = hold_for(web, client, provider_id, (price + 1000) // 100)
        assert new.status == 200, new.body
        assert db.document(f"payments/{new.result['paymentIntentId']}").get().to_dict()["amount"] == price + 1000

        settings = db.document("settings/affiliate").get().to_dict()
        bad = web.call(WEST1, "updateSettings", {"name": "affiliate", "values": {"rates": {"level2": 20_000}}}, admin)
        assert bad.error_status == "INVALID_ARGUMENT" and bad.error_message.startswith("values.rates.level2:"), bad.body
        assert db.document("settings/affiliate").get().to_dict() == settings, "nothing changed"
        assert admin_rows(db, "updateSettings") == rows + 2, "the refused change is logged too"

        history = web.call(WEST1, "getSettings", {"name": "pricing"}, admin).result["history"]
        assert history[0]["version"] == raised.result["version"] and history[0]["by"] == admin.uid
    finally:
        back = web.call(WEST1, "revertSettings", {"name": "pricing", "version": raised.result["version"] - 1}, admin)
    assert back.status == 200, back.body
    assert back.result["values"]["lawyer_call"]["eur"]["amount"] == price
    assert web.call(WEST1, "getSettings", {"name": "pricing"}, admin).result["values"] == before.result["values"]


def test_a_calls_setting_changed_by_an_admin_applies_from_the_next_booking(web: WebApp, db: Any) -> None:
    admin = web.sign_in("admin@demo.sos-expat.test")
    delay = web.call(WEST1, "getSettings", {"name": "calls"}, admin).result["values"]["scheduleDelaySeconds"]
    before = book(web, db, ANSWERS)  # the instances are warm: nothing they read may be kept
    changed = web.call(
        WEST1, "updateSettings", {"name": "calls", "values": {"scheduleDelaySeconds": delay + 77}}, admin
    )
    assert changed.status == 200, changed.body
    try:
        after = book(web, db, ANSWERS)
    finally:
        back = web.call(WEST1, "revertSettings", {"name": "calls", "version": changed.result["version"] - 1}, admin)
        assert back.status == 200, back.body
    old, new = (settled_session(db, booked["callSessionId"]) for booked in (before, after))
    assert old["rules"]["scheduleDelaySeconds"] == delay
    assert new["rules"]["scheduleDelaySeconds"] == delay + 77
    assert (new["scheduledFor"] - new["createdAt"]).total_seconds() == delay + 77
    assert new["status"] == "completed", new


def test_a_disabled_user_is_refused_until_enabled(web: WebApp, db: Any) -> None:
    admin = web.sign_in("admin@demo.sos-expat.test")
    client = web.sign_up()
    form = {"firstName": "Ana", "lastName": "Silva", "country": "PT", "language": "pt"}
    assert web.call(WEST1, "completeClientProfile", form, client).status == 200
    assert web.call(WEST1, "disableUser", {"uid": client.uid}, admin).result == {"uid": client.uid, "disabled": True}
    refused = web.call(WEST1, "completeClientProfile", form, client)
    assert refused.error_status in ("UNAUTHENTICATED", "PERMISSION_DENIED"), refused.body
    assert web.call(WEST3, "checkAiAccess", {}, client).error_status in ("UNAUTHENTICATED", "PERMISSION_DENIED")
    record = web.call(WEST1, "getUser", {"uid": client.uid}, admin).result
    assert (record["disabled"], record["authDisabled"]) == (True, True)
    assert (record["sessions"], record["payments"], record["subscription"]) == ([], [], None), record
    assert web.call(WEST1, "disableUser", {"uid": admin.uid}, admin).error_status == "PERMISSION_DENIED"
    assert web.call(WEST1, "enableUser", {"uid": client.uid}, admin).status == 200
    assert web.call(WEST1, "completeClientProfile", form, client).status == 200, "the same ID token works again"


def test_the_dashboard_shows_the_days_captured_booking(web: WebApp, db: Any) -> None:
    admin = web.sign_in("admin@demo.sos-expat.test")
    now = datetime.now(UTC)
    assert cron.fire("collectDailyPaymentMetrics", WEST3, now) < 300
    before = web.call(WEST1, "getAdminDashboard", {}, admin).result["today"]["captured"].get("eur", {})
    booking = book(web, db, ANSWERS)
    session = settled_session(db, booking["callSessionId"])
    assert session["payment"]["state"] == "captured"
    payment = db.document(f"payments/{booking['paymentIntentId']}")
    wait_for(lambda: payment.get().to_dict().get("state") == "captured", timeout=60, what="the payment captured")
    amount = payment.get().to_dict()["amount"]
    assert cron.fire("collectDailyPaymentMetrics", WEST3, datetime.now(UTC)) < 300
    assert cron.fire("collectAdminMetrics", WEST1, datetime.now(UTC)) < 300
    board = web.call(WEST1, "getAdminDashboard", {}, admin).result
    assert board["stateComputedAt"] is not None and board["subscriptions"]["live"] >= 0, board
    assert set(board["withdrawals"]) == {"pending", "processing"} and set(board["commissions"]) == {
        "pending",
        "available",
    }
    after = board["today"]["captured"]["eur"]
    assert after["capturedCount"] >= before.get("capturedCount", 0) + 1
    assert after["capturedAmount"] >= before.get("capturedAmount", 0) + amount
    assert board["last30Days"]["captured"]["eur"]["capturedAmount"] >= after["capturedAmount"]
    found = web.call(WEST1, "findCallSession", {"paymentIntentId": booking["paymentIntentId"]}, admin).result
    assert found["callSessionId"] == booking["callSessionId"] and found["payment"]["state"] == "captured"
    assert found["session"]["status"] == "completed" and found["paymentAudit"], found


@pytest.mark.parametrize(("region", "name"), ADMIN_FUNCTIONS, ids=[name for _, name in ADMIN_FUNCTIONS])
def test_nobody_but_an_admin_gets_into_an_admin_callable(web: WebApp, db: Any, region: str, name: str) -> None:
    client = web.sign_up()
    rows = admin_rows(db, name)
    refused = web.call(region, name, {}, client)
    assert refused.error_status == "PERMISSION_DENIED", refused.body
    assert admin_rows(db, name) == rows, "a refused stranger leaves no admin row"


def test_one_admin_row_per_admin_action(web: WebApp, db: Any) -> None:
    admin = web.sign_in("admin@demo.sos-expat.test")
    for name, data in (("getSettings", {"name": "calls"}), ("listUsers", {"pageSize": 5}), ("getAdminDashboard", {})):
        rows = admin_rows(db, name)
        assert web.call(WEST1, name, data, admin).status == 200
        assert admin_rows(db, name) == rows + 1, name
