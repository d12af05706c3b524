"""Three levels of commissions over HTTP: a recruiter, its recruit and the recruit's recruit sign up
with each other's recruitment codes; a client completes its profile with the last one's client code
and books a lawyer; the capture's domain event earns 5/2/1 % (in USD cents at the admin's rate),
pending; the hold period's cron makes them available in the wallets; an admin refund claws every
level back; each wallet reconciles with its ledger; an affiliate reads only its own rows."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from google.cloud.firestore_v1.base_query import FieldFilter

from devtools import cron
from tests.e2e.booking import authorized_hold, new_provider, schedule, settled_session
from tests.e2e.conftest import Account, WebApp, wait_for
from tests.e2e.test_affiliate_registration import PASSWORD, sign_up
from tests.e2e.test_security_rules import FORGED, as_user

pytestmark = pytest.mark.e2e
WEST1, WEST2, WEST3 = "europe-west1", "europe-west2", "europe-west3"
RATE = "1.10"
# A 49 EUR lawyer call: 5 %, 2 % and 1 % of 4900 EUR cents, in USD cents at 1.10, rounded down.
EXPECTED = {1: (245, 269), 2: (98, 107), 3: (49, 53)}


def commissions_of(db: Any, call_session_id: str) -> dict[int, dict[str, Any]]:
    query = db.collection("affiliate_commissions").where(
        filter=FieldFilter("source.callSessionId", "==", call_session_id)
    )
    return {doc.to_dict()["level"]: doc.to_dict() for doc in query.stream()}


def wallet(db: Any, role: str, uid: str) -> tuple[int, int, int]:
    profile = db.document(f"{role}_profiles/{uid}").get().to_dict()
    return profile["pendingBalance"], profile["tirelire"], profile["lifetimeEarned"]


def dashboard(web: WebApp, account: Account) -> dict[str, Any]:
    seen = web.call(WEST2, "getAffiliateDashboard", {}, account)
    assert seen.status == 200, seen.body
    result: dict[str, Any] = seen.result
    return result


def admin(web: WebApp) -> Account:
    return web.sign_in("admin@demo.sos-expat.test")


def test_three_levels_earn_on_a_captured_call_become_available_and_a_refund_claws_them_back(
    web: WebApp, db: Any
) -> None:
    boss = admin(web)
    assert web.call(WEST2, "setAffiliateFxRate", {"eurUsd": RATE}, boss).result == {"eurUsd": RATE}

    recruiter, recruiter_email = sign_up(web, "chatter")
    second, _ = sign_up(web, "blogger", recruitmentCode=recruiter.result["affiliateCodeRecruitment"])
    third, third_email = sign_up(web, "influencer", recruitmentCode=second.result["affiliateCodeRecruitment"])
    assert (recruiter.status, second.status, third.status) == (200, 200, 200), third.body
    chain = {1: ("influencer", third), 2: ("blogger", second), 3: ("chatter", recruiter)}

    client = web.sign_up()
    form = {"firstName": "Lea", "lastName": "Martin", "country": "DE", "language": "fr"}
    profile = web.call(
        WEST1, "completeClientProfile", {**form, "affiliateCode": third.result["affiliateCodeClient"]}, client
    )
    assert profile.result["referredBy"] == third.result["uid"], profile.body
    # First touch: a later code changes nothing.
    again = web.call(
        WEST1, "completeClientProfile", {**form, "affiliateCode": second.result["affiliateCodeClient"]}, client
    )
    assert again.result["referredBy"] == third.result["uid"], again.body

    third_account = web.sign_in(third_email, PASSWORD)
    first_look = dashboard(web, third_account)
    assert first_look["referrals"]["client"]["level1"]["allTime"] == 1
    assert first_look["conversion"] == {"referred": 1, "withPaidCall": 0, "rateBp": 0}
    assert dashboard(web, web.sign_in(recruiter_email, PASSWORD))["team"]["level2"]["allTime"] == 1

    provider_id = new_provider(db, "+33600000001")
    hold = authorized_hold(web, db, client, provider_id)
    scheduled = schedule(web, client, provider_id, hold, "+33611111111")
    assert scheduled.status == 200, scheduled.body
    call_session_id = scheduled.result["callSessionId"]
    session = settled_session(db, call_session_id)
    assert session["payment"]["state"] == "captured"

    found = wait_for(lambda: (c := commissions_of(db, call_session_id)) and len(c) == 3 and c, what="3 commissions")
    for level, (role, answer) in chain.items():
        row = found[level]
        amount, usd = EXPECTED[level]
        assert (row["beneficiaryId"], row["beneficiaryRole"], row["side"]) == (answer.result["uid"], role, "client")
        assert (row["amount"], row["currency"], row["base"]) == (amount, "eur", 4900)
        assert (row["fxRate"], row["fxSource"], row["walletAmount"], row["walletCurrency"]) == (
            RATE,
            "settings",
            usd,
            "usd",
        )
        assert row["state"] == "pending"
        assert wallet(db, role, answer.result["uid"]) == (usd, 0, usd)
    assert "clientId" not in found[1] and client.uid not in str(found[1])
    earned = dashboard(web, third_account)
    assert [(c["level"], c["walletAmount"], c["state"]) for c in earned["recentCommissions"]] == [(1, 269, "pending")]
    assert earned["balances"]["pendingBalance"] == 269 and client.uid not in str(earned)
    assert earned["conversion"] == {"referred": 1, "withPaidCall": 1, "rateBp": 10_000}
    captured_at = found[1]["availableAt"] - timedelta(days=7)

    # The hold period ends: the run as of its scheduled time releases them (and not before).
    assert cron.fire("validatePendingCommissions", WEST3, captured_at + timedelta(days=6)) < 300
    assert {row["state"] for row in commissions_of(db, call_session_id).values()} == {"pending"}
    assert cron.fire("validatePendingCommissions", WEST3, captured_at + timedelta(days=7, minutes=1)) < 300
    released = commissions_of(db, call_session_id)
    assert {row["state"] for row in released.values()} == {"available"}
    for level, (role, answer) in chain.items():
        usd = EXPECTED[level][1]
        assert wallet(db, role, answer.result["uid"]) == (0, usd, usd)

    assert dashboard(web, third_account)["balances"]["tirelire"] == 269

    # The month's leaderboard (one document, computed on schedule): display names, the caller's rank.
    assert cron.fire("computeAffiliateLeaderboard", WEST2, datetime.now(UTC)) < 300
    ranked = web.call(WEST2, "getAffiliateLeaderboard", {}, third_account).result
    mine_on_board = ranked["entries"][ranked["myRank"] - 1]
    assert (mine_on_board["displayName"], mine_on_board["earned"], mine_on_board["role"]) == (
        "Lina H.",
        269,
        "influencer",
    )
    assert third.result["uid"] not in str(ranked["entries"])
    assert web.call(WEST2, "setLeaderboardOptOut", {"optOut": True}, third_account).result == {"optOut": True}
    assert cron.fire("computeAffiliateLeaderboard", WEST2, datetime.now(UTC)) < 300
    assert web.call(WEST2, "getAffiliateLeaderboard", {}, third_account).result["myRank"] is None

    refund = web.call(WEST3, "refundCallPayment", {"callSessionId": call_session_id, "reason": "no advice"}, boss)
    assert refund.status == 200, refund.body

    def voided() -> dict[int, dict[str, Any]] | None:
        rows = commissions_of(db, call_session_id)
        return rows if {row["state"] for row in rows.values()} == {"voided"} else None

    voided_rows = wait_for(voided, what="the commissions voided by the refund")
    for level, (role, answer) in chain.items():
        usd = EXPECTED[level][1]
        assert voided_rows[level]["takenBack"] == usd
        assert wallet(db, role, answer.result["uid"]) == (0, 0, 0), "lifetimeEarned counts what was kept"
        reconciled = web.call(WEST2, "reconcileAffiliateWallet", {"affiliateId": answer.result["uid"]}, boss)
        assert reconciled.status == 200, reconciled.body
        assert set(reconciled.result["difference"].values()) == {0}, reconciled.result
        entries = db.collection("wallet_entries").where(filter=FieldFilter("uid", "==", answer.result["uid"]))
        kinds = sorted((e.to_dict()["kind"], e.to_dict()["amount"]) for e in entries.stream())
        assert kinds == [("clawback", -usd), ("commission", usd)]

    assert dashboard(web, third_account)["recentCommissions"][0]["state"] == "voided"

    # Each affiliate reads its own commission and wallet rows, nobody else's, and writes none.
    mine, theirs = found[1], found[2]
    assert as_user("GET", f"affiliate_commissions/{mine['commissionId']}", third_account) == 200
    assert as_user("GET", f"affiliate_commissions/{theirs['commissionId']}", third_account) == 403
    assert as_user("GET", f"affiliate_commissions/{mine['commissionId']}", client) == 403
    assert as_user("PATCH", f"affiliate_commissions/{mine['commissionId']}", third_account, FORGED) == 403
    entry = f"wallet_entries/commission_{mine['commissionId']}"
    assert as_user("GET", entry, third_account) == 200
    assert as_user("GET", f"wallet_entries/commission_{theirs['commissionId']}", third_account) == 403
    assert as_user("PATCH", entry, third_account, FORGED) == 403
    assert as_user("PATCH", f"wallet_entries/{uuid.uuid4().hex}", third_account, FORGED) == 403


@pytest.mark.parametrize(
    ("function", "data", "field"),
    [
        ("setAffiliateFxRate", {"eurUsd": "abc"}, "eurUsd"),
        ("setAffiliateFxRate", {"eurUsd": "-1"}, "eurUsd"),
        ("setAffiliateFxRate", {}, "eurUsd"),
        ("reconcileAffiliateWallet", {"affiliateId": ""}, "affiliateId"),
        ("reconcileAffiliateWallet", {"affiliateId": "a/b"}, "affiliateId"),
        ("getAffiliateDashboard", {"recentLimit": 0}, "recentLimit"),
        ("getAffiliateDashboard", {"uid": "someone"}, "uid"),
        ("getAffiliateLeaderboard", {"month": "2026-13"}, "month"),
        ("setLeaderboardOptOut", {"optOut": "yes"}, "optOut"),
    ],
)
def test_bad_admin_input_names_the_field_and_changes_nothing(
    web: WebApp, db: Any, function: str, data: dict[str, Any], field: str
) -> None:
    before = db.document("settings/fx").get().to_dict()
    for_affiliates = ("getAffiliateDashboard", "getAffiliateLeaderboard", "setLeaderboardOptOut")
    caller = web.sign_in(sign_up(web)[1], PASSWORD) if function in for_affiliates else admin(web)
    refused = web.call(WEST2, function, data, caller)
    assert refused.error_status == "INVALID_ARGUMENT", refused.body
    assert refused.error_message.startswith(f"{field}:")
    assert db.document("settings/fx").get().to_dict() == before


@pytest.mark.parametrize(
    ("function", "data"),
    [("setAffiliateFxRate", {"eurUsd": "9.99"}), ("reconcileAffiliateWallet", {"affiliateId": "x"})],
)
def test_the_wallet_admin_callables_refuse_anyone_else(web: WebApp, function: str, data: dict[str, Any]) -> None:
    _, email = sign_up(web)
    assert web.call(WEST2, function, data, None).error_status == "UNAUTHENTICATED"
    for account in (web.sign_up(), web.sign_in(email, PASSWORD)):
        assert web.call(WEST2, function, data, account).error_status == "PERMISSION_DENIED"


def test_a_client_code_that_is_no_affiliates_names_the_field(web: WebApp, db: Any) -> None:
    client = web.sign_up()
    form = {"firstName": "A", "lastName": "B", "country": "FR", "language": "fr"}
    for (code,) in (("ZZZZZZZZ",), ("NOPE",)):
        refused = web.call(WEST1, "completeClientProfile", {**form, "affiliateCode": code}, client)
        assert refused.error_status == "INVALID_ARGUMENT" and refused.error_message.startswith("affiliateCode:")
    assert db.document(f"users/{client.uid}").get().exists is False


@pytest.mark.parametrize(
    ("function", "data"),
    [("getAffiliateDashboard", {}), ("getAffiliateLeaderboard", {}), ("setLeaderboardOptOut", {"optOut": True})],
)
def test_what_affiliates_see_is_for_affiliates_only(web: WebApp, function: str, data: dict[str, Any]) -> None:
    assert web.call(WEST2, function, data, None).error_status == "UNAUTHENTICATED"
    assert web.call(WEST2, function, data, web.sign_up()).error_status == "PERMISSION_DENIED"
