"""The admin console's services: settings changed only as the services' models allow, versioned
and revertible; every admin action logged once (refused ones with their code) and nobody else
let in; roles granted where a profile allows, never an admin's own; a disabled account refused
everywhere and its provider hidden; the dashboard summed from the daily metrics; a session found
by its id, its payment or its client's e-mail."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from shared.accounts.services.admin_users import ensure_enabled
from shared.admin.services.audit import audited
from shared.admin.services.dashboard import admin_dashboard
from shared.admin.services.metrics import collect_admin_metrics
from shared.admin.services.sessions_admin import FindCallSessionCommand, find_call_session
from shared.admin.services.settings_admin import (
    RevertSettingsCommand,
    SettingsNameCommand,
    UpdateSettingsCommand,
    get_settings,
    revert_settings,
    update_settings,
)
from shared.admin.services.users_admin import (
    ListUsersCommand,
    SetUserRoleCommand,
    UserIdCommand,
    get_user,
    list_users,
    set_user_disabled,
    set_user_role,
)
from shared.kernel.commands import Caller, parse_command
from shared.kernel.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied, Unavailable
from shared.payments.domain.pricing import DEFAULT_PRICING, PricingTable
from tests.fakes import FakeAccountDirectory, FakeClock, InMemoryStore

ADMIN = Caller("boss", {"admin": True})


@pytest.fixture
def store() -> InMemoryStore:
    s = InMemoryStore()
    s.set("settings/pricing", DEFAULT_PRICING.to_document())
    return s


def update(store: InMemoryStore, name: str, values: dict[str, Any], clock: FakeClock | None = None) -> dict[str, Any]:
    cmd = parse_command(UpdateSettingsCommand, {"name": name, "values": values})
    return update_settings(cmd, ADMIN, store=store, clock=clock or FakeClock()).answer


def test_a_price_change_is_versioned_and_reverted(store: InMemoryStore) -> None:
    raised = update(store, "pricing", {"lawyer_call": {"eur": {"amount": 5900}}})
    assert (raised["version"], raised["values"]["lawyer_call"]["eur"]) == (1, {"amount": 5900, "platformFee": 1900})
    assert PricingTable.from_document(store.get("settings/pricing")).lawyer_call.eur.amount == 5900
    again = update(store, "pricing", {"lawyer_call": {"eur": {"amount": 6900}}})
    assert again["version"] == 2
    back = revert_settings(
        RevertSettingsCommand(name="pricing", version=1), ADMIN, store=store, clock=FakeClock()
    ).answer
    assert (back["version"], back["revertedFrom"], back["values"]["lawyer_call"]["eur"]["amount"]) == (3, 1, 5900)
    seen = get_settings(SettingsNameCommand(name="pricing"), ADMIN, store=store)
    assert [h["version"] for h in seen["history"]] == [3, 2, 1, 0] and seen["version"] == 3
    first = revert_settings(RevertSettingsCommand(name="pricing", version=0), ADMIN, store=store, clock=FakeClock())
    assert first.answer["values"] == DEFAULT_PRICING.to_document()
    history = store.get("settings_history/pricing_000002") or {}
    assert (history["before"]["lawyer_call"]["eur"]["amount"], history["after"]["lawyer_call"]["eur"]["amount"]) == (
        5900,
        6900,
    )


@pytest.mark.parametrize(
    ("name", "values", "field"),
    [
        ("affiliate", {"rates": {"level2": 20_000}}, "values.rates.level2"),
        ("affiliate", {"holdDays": "seven"}, "values.holdDays"),
        ("affiliate", {"rate": {"level2": 1}}, "values.rate"),
        ("pricing", {"lawyer_call": {"eur": {"platformFee": 99_999}}}, "values.lawyer_call.eur.platformFee"),
        ("calls", {"ringTimeoutSeconds": 1}, "values.ringTimeoutSeconds"),
        ("fx", {"eurUsd": 1.2}, "values.eurUsd"),
    ],
)
def test_a_bad_value_names_the_field_and_changes_nothing(
    store: InMemoryStore, name: str, values: dict[str, Any], field: str
) -> None:
    before = copy.deepcopy(store.docs)
    with pytest.raises(InvalidArgument) as refused:
        update(store, name, values)
    assert refused.value.field == field, refused.value
    assert store.docs == before


def test_unknown_settings_and_versions_are_refused(store: InMemoryStore) -> None:
    with pytest.raises(InvalidArgument) as refused:
        parse_command(UpdateSettingsCommand, {"name": "secrets", "values": {"a": 1}})
    assert refused.value.field == "name"
    with pytest.raises(NotFound):
        revert_settings(RevertSettingsCommand(name="calls", version=9), ADMIN, store=store, clock=FakeClock())


def test_every_admin_action_is_logged_once_and_others_are_turned_away(store: InMemoryStore) -> None:
    clock = FakeClock()
    with pytest.raises(PermissionDenied):
        audited("updateSettings", Caller("u1", {"role": "client"}), lambda admin: {}, store=store, clock=clock)
    assert store.collection("admin_action_logs") == {}
    cmd = parse_command(UpdateSettingsCommand, {"name": "calls", "values": {"ringTimeoutSeconds": 45}})
    audited(
        "updateSettings",
        ADMIN,
        lambda admin: update_settings(cmd, admin, store=store, clock=clock),
        store=store,
        clock=clock,
    )
    with pytest.raises(InvalidArgument):
        bad = parse_command(UpdateSettingsCommand, {"name": "calls", "values": {"ringTimeoutSeconds": 1}})
        audited(
            "updateSettings",
            ADMIN,
            lambda admin: update_settings(bad, admin, store=store, clock=clock),
            store=store,
            clock=clock,
        )
    rows = sorted(store.collection("admin_action_logs").values(), key=lambda r: r["outcome"])
    assert [(r["action"], r["adminId"], r["outcome"]) for r in rows] == [
        ("updateSettings", "boss", "INVALID_ARGUMENT"),
        ("updateSettings", "boss", "ok"),
    ]
    ok = rows[1]
    assert (ok["target"], ok["before"]["ringTimeoutSeconds"], ok["after"]["ringTimeoutSeconds"]) == (
        "settings/calls",
        30,
        45,
    )


def directory_with(store: InMemoryStore) -> FakeAccountDirectory:
    directory = FakeAccountDirectory()
    directory.add("boss", "boss@x.test", admin=True)
    directory.add("law1", "law@x.test", role="client")
    store.set("users/law1", {"email": "law@x.test", "role": "client", "country": "FR", "createdAt": FakeClock().now()})
    store.set("sos_profiles/law1", {"type": "lawyer", "approvalStatus": "approved", "isVisible": True})
    return directory


def test_roles_fit_a_profile_and_an_admin_keeps_its_own(store: InMemoryStore) -> None:
    directory = directory_with(store)
    with pytest.raises(FailedPrecondition) as refused:
        set_user_role(SetUserRoleCommand(uid="law1", role="chatter"), ADMIN, store=store, directory=directory)
    assert refused.value.field == "role"
    done = set_user_role(
        SetUserRoleCommand(uid="law1", role="lawyer", admin=True), ADMIN, store=store, directory=directory
    )
    assert directory.accounts["law1"].claims == {"role": "lawyer", "admin": True}
    assert (done.before, (store.get("users/law1") or {})["role"]) == ({"role": "client"}, "lawyer")
    set_user_role(SetUserRoleCommand(uid="law1", admin=False), ADMIN, store=store, directory=directory)
    assert directory.accounts["law1"].claims == {"role": "lawyer"}
    with pytest.raises(PermissionDenied):
        set_user_role(SetUserRoleCommand(uid="boss", admin=False), ADMIN, store=store, directory=directory)
    with pytest.raises(InvalidArgument):
        parse_command(SetUserRoleCommand, {"uid": "law1"})


def test_a_disabled_account_is_refused_and_its_provider_hidden_until_enabled(store: InMemoryStore) -> None:
    directory, clock = directory_with(store), FakeClock()
    ensure_enabled(store, "law1")
    set_user_disabled(UserIdCommand(uid="law1"), ADMIN, True, store=store, directory=directory, clock=clock)
    assert directory.accounts["law1"].disabled is True
    with pytest.raises(PermissionDenied):
        ensure_enabled(store, "law1")
    assert (store.get("sos_profiles/law1") or {})["isVisible"] is False
    listed = list_users(ListUsersCommand(status="disabled"), ADMIN, store=store)["users"]
    assert [u["uid"] for u in listed] == ["law1"]
    assert list_users(ListUsersCommand(status="active"), ADMIN, store=store)["users"] == []
    set_user_disabled(UserIdCommand(uid="law1"), ADMIN, False, store=store, directory=directory, clock=clock)
    ensure_enabled(store, "law1")
    assert (store.get("sos_profiles/law1") or {})["isVisible"] is True
    with pytest.raises(PermissionDenied):
        set_user_disabled(UserIdCommand(uid="boss"), ADMIN, True, store=store, directory=directory, clock=clock)


def test_when_auth_fails_a_disable_marks_nothing_and_asks_for_a_retry(store: InMemoryStore) -> None:
    directory, clock = directory_with(store), FakeClock()
    directory.fail.add("disable")
    with pytest.raises(Unavailable):
        set_user_disabled(UserIdCommand(uid="law1"), ADMIN, True, store=store, directory=directory, clock=clock)
    assert directory.accounts["law1"].disabled is False
    assert (store.get("users/law1") or {}).get("disabled") is not True
    assert (store.get("sos_profiles/law1") or {})["isVisible"] is True
    ensure_enabled(store, "law1")
    directory.fail.clear()
    set_user_disabled(UserIdCommand(uid="law1"), ADMIN, True, store=store, directory=directory, clock=clock)
    with pytest.raises(PermissionDenied):
        ensure_enabled(store, "law1")


def test_users_come_a_page_at_a_time(store: InMemoryStore) -> None:
    clock = FakeClock()
    for n in range(5):
        clock.advance(60)
        store.set(f"users/u{n}", {"role": "client", "country": "PT", "createdAt": clock.now()})
    first = list_users(ListUsersCommand(country="pt", pageSize=2), ADMIN, store=store)
    second = list_users(
        ListUsersCommand(country="pt", pageSize=2, pageToken=first["nextPageToken"]), ADMIN, store=store
    )
    third = list_users(
        ListUsersCommand(country="pt", pageSize=2, pageToken=second["nextPageToken"]), ADMIN, store=store
    )
    assert [[u["uid"] for u in page["users"]] for page in (first, second, third)] == [
        ["u0", "u1"],
        ["u2", "u3"],
        ["u4"],
    ]
    assert third["nextPageToken"] is None


def test_the_dashboard_sums_the_daily_metrics(store: InMemoryStore) -> None:
    for day, captured in (("2026-12-05", 4900), ("2026-12-06", 5900), ("2026-10-01", 100)):
        store.set(
            f"metrics_daily/{day}",
            {
                "day": day,
                "payments": {"count": 1, "byState": {"captured": 1}},
                "currencies": {"eur": {"capturedCount": 1, "capturedAmount": captured, "platformFees": 1900}},
                "sessions": {"count": 1, "completed": 1, "failed": 0, "cancelled": 0, "failedByReason": {}},
            },
        )
    store.set(
        "payment_health/latest",
        {"expiringHolds": {"count": 2, "ids": ["pi_a", "pi_b"]}, "failedSettlements": {"count": 1, "ids": ["s9"]}},
    )
    board = admin_dashboard(store, today=date(2026, 12, 6))
    assert (board["holds"]["atRisk"], board["failedSettlements"], board["holds"]["orphan"]) == (2, 1, None)
    assert board["today"]["captured"] == {"eur": {"capturedCount": 1, "capturedAmount": 5900, "platformFees": 1900}}
    assert board["last30Days"]["captured"]["eur"]["capturedAmount"] == 10_800, "the October day is out of the window"
    assert board["last30Days"]["sessions"]["completed"] == 2


def test_a_session_is_found_by_its_id_payment_or_client_email(store: InMemoryStore) -> None:
    store.set("users/c1", {"email": "ana@x.test"})
    store.set(
        "call_sessions/s1",
        {"clientId": "c1", "paymentIntentId": "pi_1", "clientPhoneSealed": "x", "createdAt": FakeClock().now()},
    )
    store.set("call_sessions/s1/conference_events/e1", {"event": "participant-join", "at": "1"})
    store.set("payments/pi_1", {"callSessionId": "s1", "state": "captured"})
    store.set("payment_audit_logs/pi_1_capture", {"paymentIntentId": "pi_1", "cause": "capture"})
    for key in ({"callSessionId": "s1"}, {"paymentIntentId": "pi_1"}, {"clientEmail": "ana@x.test"}):
        found = find_call_session(parse_command(FindCallSessionCommand, key), store=store)
        assert found["callSessionId"] == "s1" and "clientPhoneSealed" not in found["session"]
        assert (found["payment"]["state"], len(found["paymentAudit"]), len(found["conferenceEvents"])) == (
            "captured",
            1,
            1,
        )
    with pytest.raises(InvalidArgument):
        find_call_session(parse_command(FindCallSessionCommand, {}), store=store)
    with pytest.raises(NotFound):
        find_call_session(parse_command(FindCallSessionCommand, {"clientEmail": "nobody@x.test"}), store=store)


def test_the_state_figures_come_from_each_area(store: InMemoryStore) -> None:
    clock = FakeClock()
    store.set("subscriptions/p1", {"status": "active", "planId": "lawyer_pro", "currency": "EUR", "amount": 4900})
    store.set(
        "subscriptions/p2",
        {"status": "past_due", "planId": "lawyer_pro", "currency": "EUR", "amount": 48_000, "billingPeriod": "yearly"},
    )
    store.set("subscriptions/p3", {"status": "trialing", "currency": "EUR", "amount": 4900})
    store.set("subscriptions/p4", {"status": "canceled", "planId": "lawyer_pro", "currency": "EUR", "amount": 4900})
    store.set("affiliate_commissions/c1", {"state": "pending", "walletAmount": 500})
    store.set("affiliate_commissions/c2", {"state": "available", "walletAmount": 700, "takenBack": 200})
    store.set("withdrawals/w1", {"status": "pending", "amount": 2000})
    store.set("withdrawals/w2", {"status": "processing", "amount": 6000})
    collect_admin_metrics(store=store, clock=clock)
    board = admin_dashboard(store, today=clock.now().date())
    subs = board["subscriptions"]
    assert (subs["live"], subs["pastDue"], subs["trialing"], subs["mrr"]) == (3, 1, 1, {"eur": 4900 + 4000})
    assert subs["byPlan"] == {"lawyer_pro": {"eur": 2}, "trial": {"eur": 1}}
    assert board["commissions"]["pending"]["amountUsdCents"] == 500
    assert board["commissions"]["available"]["amountUsdCents"] == 500
    assert board["withdrawals"] == {
        "pending": {"count": 1, "amountUsdCents": 2000},
        "processing": {"count": 1, "amountUsdCents": 6000},
    }


def test_a_user_is_seen_with_what_every_area_knows_of_it(store: InMemoryStore) -> None:
    directory = directory_with(store)
    store.set("call_sessions/s1", {"clientId": "c9", "providerId": "law1", "status": "completed", "createdAt": "2"})
    store.set("payments/pi_9", {"clientId": "law1", "state": "captured", "amount": 4900, "currency": "eur"})
    store.set("subscriptions/law1", {"status": "active", "planId": "lawyer_pro"})
    seen = get_user(UserIdCommand(uid="law1"), ADMIN, store=store, directory=directory)
    assert (seen["email"], seen["claims"], seen["provider"]["type"]) == ("law@x.test", {"role": "client"}, "lawyer")
    assert [s["callSessionId"] for s in seen["sessions"]] == ["s1"]
    assert [(p["paymentIntentId"], p["amount"]) for p in seen["payments"]] == [("pi_9", 4900)]
    assert (seen["subscription"]["planId"], seen["affiliate"]) == ("lawyer_pro", None)
    with pytest.raises(NotFound):
        get_user(UserIdCommand(uid="nobody"), ADMIN, store=store, directory=directory)
