"""Affiliate sign-up over HTTP, as the web app calls it before the visitor has an account: the
account, its role claim, the role's profile, the `affiliates` entry and two codes nobody else
holds; bad input creates nothing; the affiliate reads its own documents and writes none."""

from __future__ import annotations

import base64
import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from devtools import ports
from tests.e2e.conftest import AUTH, Account, CallResult, WebApp
from tests.e2e.test_security_rules import FORGED, as_user

pytestmark = pytest.mark.e2e
WEST2 = "europe-west2"
PASSWORD = "e2e-affiliate-8"
COMMON: dict[str, Any] = {
    "password": PASSWORD,
    "firstName": "Lina",
    "lastName": "Haddad",
    "country": "MA",
    "language": "fr",
}
SIGN_UPS: dict[str, tuple[str, dict[str, Any]]] = {
    "chatter": ("registerChatter", {"phone": "+33612345678"}),
    "influencer": ("registerInfluencer", {"platforms": ["instagram", "youtube"], "audienceSize": 12000}),
    "blogger": ("registerBlogger", {"siteUrl": "https://expat-blog.example", "topics": ["visas"]}),
    "group_admin": (
        "registerGroupAdmin",
        {"groupName": "Français à Dubaï", "groupPlatform": "whatsapp", "groupSize": 800},
    ),
}


def new_email() -> str:
    return f"affiliate-{uuid.uuid4().hex[:12]}@e2e.sos-expat.test"


def sign_up(web: WebApp, role: str = "chatter", **changes: Any) -> tuple[CallResult, str]:
    function, fields = SIGN_UPS[role]
    email = changes.pop("email", None) or new_email()
    data = {k: v for k, v in {**COMMON, "email": email, **fields, **changes}.items() if v is not ...}
    return web.call(WEST2, function, data, None), email


def claims(account: Account) -> dict[str, Any]:
    payload = account.id_token.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return decoded


def auth_accounts(email: str) -> list[dict[str, Any]]:
    """The Auth emulator's accounts with this e-mail (its admin access)."""
    response = requests.post(
        f"{AUTH}/projects/{ports.PROJECT_ID}/accounts:lookup",
        json={"email": [email]},
        headers={"Authorization": "Bearer owner"},
        timeout=10,
    )
    response.raise_for_status()
    users: list[dict[str, Any]] = response.json().get("users", [])
    return users


def users_with(db: Any, email: str) -> list[Any]:
    from google.cloud.firestore_v1.base_query import FieldFilter

    return list(db.collection("users").where(filter=FieldFilter("email", "==", email)).stream())


@pytest.mark.parametrize("role", list(SIGN_UPS))
def test_a_visitor_signs_up_as_each_affiliate_role(web: WebApp, db: Any, role: str) -> None:
    answer, email = sign_up(web, role)
    assert answer.status == 200, answer.body
    uid, client_code, recruitment_code = (
        answer.result["uid"],
        answer.result["affiliateCodeClient"],
        answer.result["affiliateCodeRecruitment"],
    )
    assert set(answer.result) == {"uid", "affiliateCodeClient", "affiliateCodeRecruitment"}
    assert claims(web.sign_in(email, PASSWORD))["role"] == role

    profile = db.document(f"{role}_profiles/{uid}").get().to_dict()
    _, fields = SIGN_UPS[role]
    assert {k: profile[k] for k in fields} == fields
    assert (profile["status"], profile["recruitedBy"], profile["telegramStatus"]) == ("active", None, "pending")
    assert (profile["tirelire"], profile["pendingBalance"], profile["lockedBonus"], profile["lifetimeEarned"]) == (
        0,
        0,
        0,
        0,
    )
    assert (profile["affiliateCodeClient"], profile["affiliateCodeRecruitment"]) == (client_code, recruitment_code)
    assert (profile["firstName"], profile["country"], profile["language"]) == ("Lina", "MA", "fr")
    entry = db.document(f"affiliates/{uid}").get().to_dict()
    assert (entry["role"], entry["status"], entry["upline"]) == (role, "active", [])
    user = db.document(f"users/{uid}").get().to_dict()
    assert (user["role"], user["email"], user["country"], user["language"]) == (role, email, "MA", "fr")
    for code, kind in ((client_code, "client"), (recruitment_code, "recruitment")):
        stored = db.document(f"affiliate_codes/{code}").get().to_dict()
        assert (stored["uid"], stored["role"], stored["kind"]) == (uid, role, kind)


def test_a_recruit_joins_its_recruiters_team_and_a_client_code_cannot_recruit(web: WebApp, db: Any) -> None:
    first, _ = sign_up(web)
    second, _ = sign_up(web, "blogger", recruitmentCode=first.result["affiliateCodeRecruitment"].lower())
    assert second.status == 200, second.body
    third, _ = sign_up(web, "influencer", recruitmentCode=second.result["affiliateCodeRecruitment"])
    assert third.status == 200, third.body
    upline = db.document(f"affiliates/{third.result['uid']}").get().to_dict()["upline"]
    assert upline == [{"uid": second.result["uid"], "role": "blogger"}, {"uid": first.result["uid"], "role": "chatter"}]
    profile = db.document(f"influencer_profiles/{third.result['uid']}").get().to_dict()
    assert profile["recruitedBy"] == second.result["uid"]

    refused, email = sign_up(web, recruitmentCode=first.result["affiliateCodeClient"])
    assert refused.error_status == "INVALID_ARGUMENT" and refused.error_message.startswith("recruitmentCode:")
    assert auth_accounts(email) == [] and users_with(db, email) == []


def test_an_email_already_used_is_already_exists(web: WebApp, db: Any) -> None:
    first, email = sign_up(web)
    assert first.status == 200, first.body
    again, _ = sign_up(web, "blogger", email=email.upper())
    assert again.error_status == "ALREADY_EXISTS" and again.error_message.startswith("email:")
    assert [u["localId"] for u in auth_accounts(email)] == [first.result["uid"]]
    assert len(users_with(db, email)) == 1


@pytest.mark.parametrize(
    ("role", "field", "value"),
    [
        ("chatter", "email", "not-an-email"),
        ("chatter", "password", "short7!"),
        ("chatter", "password", 12345678),
        ("chatter", "firstName", ""),
        ("chatter", "country", "ZZ"),
        ("chatter", "language", "french"),
        ("chatter", "phone", "0612345678"),
        ("chatter", "recruitmentCode", "NOPE"),
        ("chatter", "recruitmentCode", "ZZZZZZZZ"),
        ("influencer", "platforms", ["myspace"]),
        ("influencer", "audienceSize", -1),
        ("influencer", "audienceSize", ...),
        ("blogger", "siteUrl", "http://expat-blog.example"),
        ("blogger", "topics", "visas"),
        ("group_admin", "groupPlatform", "discord"),
        ("group_admin", "groupSize", "big"),
    ],
)
def test_bad_input_names_the_field_and_creates_nothing(web: WebApp, db: Any, role: str, field: str, value: Any) -> None:
    refused, email = sign_up(web, role, **{field: value})
    assert refused.error_status == "INVALID_ARGUMENT", refused.body
    assert refused.error_message.startswith(f"{field}:")
    assert PASSWORD not in refused.error_message
    if field != "email":
        assert auth_accounts(email) == [] and users_with(db, email) == []


def test_twenty_simultaneous_sign_ups_get_forty_distinct_codes(web: WebApp, db: Any) -> None:
    warm, _ = sign_up(web, email="warm-up")  # refused: starts the function's worker
    assert warm.error_status == "INVALID_ARGUMENT"
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda _: sign_up(web), range(20)))
    assert all(a.status == 200 for a, _ in answers), [a.body for a, _ in answers if a.status != 200]
    codes = [a.result[k] for a, _ in answers for k in ("affiliateCodeClient", "affiliateCodeRecruitment")]
    assert len(set(codes)) == 40
    stored = [db.document(f"affiliate_codes/{code}").get() for code in codes]
    assert all(doc.exists for doc in stored)
    owners = {doc.id: doc.to_dict()["uid"] for doc in stored}
    for answer, _ in answers:
        uid = answer.result["uid"]
        assert owners[answer.result["affiliateCodeClient"]] == owners[answer.result["affiliateCodeRecruitment"]] == uid


def test_an_affiliate_reads_only_its_own_documents_and_writes_none(web: WebApp, db: Any) -> None:
    answer, email = sign_up(web, "influencer")
    assert answer.status == 200, answer.body
    uid = answer.result["uid"]
    affiliate, admin = web.sign_in(email, PASSWORD), web.sign_in("admin@demo.sos-expat.test")
    stranger = web.sign_up()
    other, other_email = sign_up(web)
    other_affiliate = web.sign_in(other_email, PASSWORD)
    own = (f"influencer_profiles/{uid}", f"affiliates/{uid}")
    for path in own:
        assert as_user("GET", path, affiliate) == 200, path
        assert as_user("GET", path, admin) == 200, path
        for reader in (None, stranger, other_affiliate):
            assert as_user("GET", path, reader) == 403, path
        assert as_user("PATCH", path, affiliate, FORGED) == 403, path
    assert as_user("GET", f"chatter_profiles/{other.result['uid']}", affiliate) == 403
    code = f"affiliate_codes/{answer.result['affiliateCodeClient']}"
    assert as_user("GET", code, affiliate) == 403
    assert as_user("PATCH", code, affiliate, FORGED) == 403
    assert as_user("PATCH", f"affiliate_codes/{uuid.uuid4().hex[:8].upper()}", affiliate, FORGED) == 403
    forged_profile = {"fields": {"tirelire": {"integerValue": "100000"}}}
    assert (
        as_user("PATCH", f"influencer_profiles/{uid}?updateMask.fieldPaths=tirelire", affiliate, forged_profile) == 403
    )
    assert db.document(f"influencer_profiles/{uid}").get().to_dict()["tirelire"] == 0
