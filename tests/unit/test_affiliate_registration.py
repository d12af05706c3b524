"""Affiliate sign-up: a visitor becomes a chatter, influencer, blogger or group admin with its own
account, its role claim, its profile and two codes nobody else holds — or nothing at all."""

from __future__ import annotations

import logging
import random
import secrets
import threading
from typing import Any

import pytest

from shared.accounts.adapters.firebase_directory import FirebaseAccountDirectory
from shared.accounts.ports.directory import DirectoryError, EmailAlreadyUsed, PasswordRefused
from shared.affiliates.adapters.affiliate_repository import CodeOwner, code_owner
from shared.affiliates.domain.affiliate import AffiliateRole, Sponsor
from shared.affiliates.domain.codes import CodeKind
from shared.affiliates.services.commands import (
    AffiliateSignUpCommand,
    RegisterBloggerCommand,
    RegisterChatterCommand,
    RegisterGroupAdminCommand,
    RegisterInfluencerCommand,
)
from shared.affiliates.services.registration import CODE_ATTEMPTS, register_affiliate
from shared.kernel.commands import parse_command
from shared.kernel.errors import Aborted, AlreadyExists, FailedPrecondition, InvalidArgument, Unavailable
from tests.fakes import FakeAccountDirectory, FakeClock, InMemoryStore

COMMON: dict[str, Any] = {
    "password": "correct-horse-8",
    "firstName": "Lina",
    "lastName": " Haddad ",
    "country": "ma",
    "language": "FR",
}
COMMANDS: dict[AffiliateRole, tuple[type[AffiliateSignUpCommand], dict[str, Any]]] = {
    AffiliateRole.CHATTER: (RegisterChatterCommand, {"phone": "+33612345678"}),
    AffiliateRole.INFLUENCER: (
        RegisterInfluencerCommand,
        {"platforms": ["instagram", "TikTok"], "audienceSize": 12000},
    ),
    AffiliateRole.BLOGGER: (RegisterBloggerCommand, {"siteUrl": "https://expat-blog.example", "topics": ["visas"]}),
    AffiliateRole.GROUP_ADMIN: (
        RegisterGroupAdminCommand,
        {"groupName": "Français à Dubaï", "groupPlatform": "facebook", "groupSize": 5400},
    ),
}
ROLE_FIELDS: dict[AffiliateRole, dict[str, Any]] = {
    AffiliateRole.CHATTER: {"phone": "+33612345678"},
    AffiliateRole.INFLUENCER: {"platforms": ["instagram", "tiktok"], "audienceSize": 12000},
    AffiliateRole.BLOGGER: {"siteUrl": "https://expat-blog.example", "topics": ["visas"]},
    AffiliateRole.GROUP_ADMIN: {"groupName": "Français à Dubaï", "groupPlatform": "facebook", "groupSize": 5400},
}


class Scripted(random.Random):
    """Draws the planned codes first, then random ones."""

    def __init__(self, *codes: str) -> None:
        super().__init__()
        self.planned = list("".join(codes))

    def choice(self, seq):  # type: ignore[no-untyped-def, override]
        return self.planned.pop(0) if self.planned else secrets.choice(seq)


class FailingStore(InMemoryStore):
    def run_transaction(self, fn):  # type: ignore[no-untyped-def]
        raise RuntimeError("firestore unavailable")


class World:
    def __init__(self, store: InMemoryStore | None = None) -> None:
        self.store, self.directory, self.clock = store or InMemoryStore(), FakeAccountDirectory(), FakeClock()
        self.count = 0

    def register(
        self, role: AffiliateRole = AffiliateRole.CHATTER, rng: random.Random | None = None, **changes: Any
    ) -> dict[str, str]:
        command, fields = COMMANDS[role]
        self.count += 1
        data = {**COMMON, "email": f"lina{self.count}@example.test", **fields, **changes}
        cmd = parse_command(command, {k: v for k, v in data.items() if v is not ...})
        return register_affiliate(cmd, store=self.store, directory=self.directory, clock=self.clock, rng=rng)

    def nothing_left(self) -> bool:
        return self.store.docs == {} and self.directory.accounts == {}


@pytest.fixture
def w() -> World:
    return World()


@pytest.mark.parametrize("role", list(AffiliateRole))
def test_a_visitor_becomes_an_active_affiliate_with_two_codes(w: World, role: AffiliateRole) -> None:
    answer = w.register(role, rng=Scripted("K7WQ2MPA", "RECRUIT2"))
    uid, now = answer["uid"], w.clock.now()
    assert answer == {"uid": uid, "affiliateCodeClient": "K7WQ2MPA", "affiliateCodeRecruitment": "RECRUIT2"}
    assert w.directory.accounts[uid].claims == {"role": role.value}
    assert w.directory.accounts[uid].email == "lina1@example.test"
    identity = {"firstName": "Lina", "lastName": "Haddad", "country": "MA", "language": "fr"}
    assert w.store.docs == {
        f"users/{uid}": {
            "uid": uid,
            "email": "lina1@example.test",
            "role": role.value,
            **identity,
            "createdAt": now,
            "updatedAt": now,
        },
        f"{role.value}_profiles/{uid}": {
            "uid": uid,
            "role": role.value,
            "email": "lina1@example.test",
            **identity,
            **ROLE_FIELDS[role],
            "status": "active",
            "affiliateCodeClient": "K7WQ2MPA",
            "affiliateCodeRecruitment": "RECRUIT2",
            "recruitedBy": None,
            "tirelire": 0,
            "pendingBalance": 0,
            "lockedBonus": 0,
            "lifetimeEarned": 0,
            "telegramStatus": "pending",
            "createdAt": now,
        },
        f"affiliates/{uid}": {
            "uid": uid,
            "role": role.value,
            "status": "active",
            "upline": [],
            "uplineIds": [],
            "affiliateCodeClient": "K7WQ2MPA",
            "affiliateCodeRecruitment": "RECRUIT2",
            "createdAt": now,
        },
        "affiliate_codes/K7WQ2MPA": {
            "code": "K7WQ2MPA",
            "uid": uid,
            "role": role.value,
            "kind": "client",
            "createdAt": now,
        },
        "affiliate_codes/RECRUIT2": {
            "code": "RECRUIT2",
            "uid": uid,
            "role": role.value,
            "kind": "recruitment",
            "createdAt": now,
        },
    }
    assert "password" not in str(w.store.docs) and COMMON["password"] not in str(w.store.docs)


def test_a_recruit_joins_three_levels_below_at_most(w: World) -> None:
    a = w.register()
    b = w.register(AffiliateRole.INFLUENCER, recruitmentCode=a["affiliateCodeRecruitment"].lower())
    c = w.register(AffiliateRole.BLOGGER, recruitmentCode=b["affiliateCodeRecruitment"])
    d = w.register(AffiliateRole.GROUP_ADMIN, recruitmentCode=f" {c['affiliateCodeRecruitment']} ")
    e = w.register(recruitmentCode=d["affiliateCodeRecruitment"])
    assert w.store.docs[f"affiliates/{e['uid']}"]["upline"] == [
        {"uid": d["uid"], "role": "group_admin"},
        {"uid": c["uid"], "role": "blogger"},
        {"uid": b["uid"], "role": "influencer"},
    ]
    assert w.store.docs[f"affiliates/{b['uid']}"]["upline"] == [{"uid": a["uid"], "role": "chatter"}]
    assert w.store.docs[f"affiliates/{e['uid']}"]["uplineIds"] == [d["uid"], c["uid"], b["uid"]]
    assert w.store.docs[f"chatter_profiles/{e['uid']}"]["recruitedBy"] == d["uid"]
    assert w.store.docs[f"influencer_profiles/{b['uid']}"]["recruitedBy"] == a["uid"]
    owner = code_owner(w.store, e["affiliateCodeClient"])
    assert owner == CodeOwner(
        e["affiliateCodeClient"],
        e["uid"],
        AffiliateRole.CHATTER,
        CodeKind.CLIENT,
        "active",
        (
            Sponsor(d["uid"], AffiliateRole.GROUP_ADMIN),
            Sponsor(c["uid"], AffiliateRole.BLOGGER),
            Sponsor(b["uid"], AffiliateRole.INFLUENCER),
        ),
    )
    assert code_owner(w.store, "ZZZZZZZZ") is None


def test_a_code_that_cannot_recruit_is_refused_before_any_account_exists(w: World) -> None:
    a = w.register()
    before, accounts = dict(w.store.docs), dict(w.directory.accounts)
    for code, kind in (
        (a["affiliateCodeClient"], InvalidArgument),
        ("ZZZZZZZZ", InvalidArgument),
        ("bad", InvalidArgument),
    ):
        with pytest.raises(kind) as raised:
            w.register(recruitmentCode=code)
        assert raised.value.field == "recruitmentCode"
    w.store.set(f"affiliates/{a['uid']}", {"status": "suspended"}, merge=True)
    with pytest.raises(FailedPrecondition) as refused:
        w.register(recruitmentCode=a["affiliateCodeRecruitment"])
    assert refused.value.field == "recruitmentCode" and refused.value.message.startswith("recruitmentCode:")
    assert w.directory.accounts == accounts
    assert {p: d for p, d in w.store.docs.items() if not p.startswith("affiliates/")} == {
        p: d for p, d in before.items() if not p.startswith("affiliates/")
    }


def test_a_recruiter_suspended_while_the_account_is_created_leaves_nothing(w: World) -> None:
    a = w.register()
    before = dict(w.store.docs)
    w.directory.on_create = lambda: w.store.set(f"affiliates/{a['uid']}", {"status": "suspended"}, merge=True)
    with pytest.raises(FailedPrecondition):
        w.register(recruitmentCode=a["affiliateCodeRecruitment"])
    assert list(w.directory.accounts) == [a["uid"]]
    assert set(w.store.docs) == set(before)


@pytest.mark.parametrize(
    ("role", "field", "value"),
    [
        (AffiliateRole.CHATTER, "email", "lina@"),
        (AffiliateRole.CHATTER, "email", 7),
        (AffiliateRole.CHATTER, "password", "short7!"),
        (AffiliateRole.CHATTER, "password", 12345678),
        (AffiliateRole.CHATTER, "firstName", ""),
        (AffiliateRole.CHATTER, "lastName", "x" * 81),
        (AffiliateRole.CHATTER, "country", "XX"),
        (AffiliateRole.CHATTER, "country", "FRA"),
        (AffiliateRole.CHATTER, "language", "french"),
        (AffiliateRole.CHATTER, "language", None),
        (AffiliateRole.CHATTER, "phone", "+33145678901"),
        (AffiliateRole.CHATTER, "recruitmentCode", "K7WQ2MP0"),
        (AffiliateRole.CHATTER, "recruitmentCode", 12345678),
        (AffiliateRole.INFLUENCER, "platforms", []),
        (AffiliateRole.INFLUENCER, "platforms", ["myspace"]),
        (AffiliateRole.INFLUENCER, "platforms", "instagram"),
        (AffiliateRole.INFLUENCER, "audienceSize", -1),
        (AffiliateRole.INFLUENCER, "audienceSize", "1000"),
        (AffiliateRole.INFLUENCER, "audienceSize", True),
        (AffiliateRole.INFLUENCER, "audienceSize", 12.5),
        (AffiliateRole.BLOGGER, "siteUrl", "http://expat-blog.example"),
        (AffiliateRole.BLOGGER, "siteUrl", "https://localhost"),
        (AffiliateRole.BLOGGER, "siteUrl", "expat-blog.example"),
        (AffiliateRole.BLOGGER, "siteUrl", "https://user:pw@expat-blog.example"),
        (AffiliateRole.BLOGGER, "siteUrl", "https://[::1"),
        (AffiliateRole.BLOGGER, "topics", [""]),
        (AffiliateRole.BLOGGER, "topics", "visas"),
        (AffiliateRole.GROUP_ADMIN, "groupName", "  "),
        (AffiliateRole.GROUP_ADMIN, "groupPlatform", "discord"),
        (AffiliateRole.GROUP_ADMIN, "groupSize", "big"),
        (AffiliateRole.GROUP_ADMIN, "groupSize", -3),
    ],
)
def test_bad_input_names_the_field_and_creates_nothing(w: World, role: AffiliateRole, field: str, value: Any) -> None:
    with pytest.raises(InvalidArgument) as raised:
        w.register(role, **{field: value})
    assert raised.value.field == field and raised.value.message.startswith(f"{field}:")
    assert COMMON["password"] not in raised.value.message
    assert w.nothing_left()


@pytest.mark.parametrize(
    ("role", "missing"),
    [(AffiliateRole.CHATTER, f) for f in ("email", "password", "firstName", "lastName", "country", "language")]
    + [(AffiliateRole.INFLUENCER, "platforms"), (AffiliateRole.INFLUENCER, "audienceSize")]
    + [(AffiliateRole.BLOGGER, "siteUrl"), (AffiliateRole.GROUP_ADMIN, "groupName")]
    + [(AffiliateRole.GROUP_ADMIN, "groupPlatform"), (AffiliateRole.GROUP_ADMIN, "groupSize")],
)
def test_a_missing_field_is_named(w: World, role: AffiliateRole, missing: str) -> None:
    with pytest.raises(InvalidArgument) as raised:
        w.register(role, **dict[str, Any]({missing: ...}))
    assert raised.value.field == missing and w.nothing_left()


def test_the_optional_fields_may_be_left_out(w: World) -> None:
    chatter = w.register(phone=...)
    blogger = w.register(AffiliateRole.BLOGGER, topics=...)
    assert w.store.docs[f"chatter_profiles/{chatter['uid']}"]["phone"] is None
    assert w.store.docs[f"blogger_profiles/{blogger['uid']}"]["topics"] == []


def test_an_email_already_used_is_already_exists_naming_email(w: World) -> None:
    first = w.register(email="Lina@Example.test")
    before = dict(w.store.docs)
    with pytest.raises(AlreadyExists) as raised:
        w.register(AffiliateRole.BLOGGER, email="lina@example.test ")
    assert raised.value.field == "email"
    assert list(w.directory.accounts) == [first["uid"]] and w.store.docs == before


def test_a_password_the_directory_refuses_names_password(w: World) -> None:
    def refuse() -> None:
        raise PasswordRefused("WEAK_PASSWORD")

    w.directory.on_create = refuse
    with pytest.raises(InvalidArgument) as raised:
        w.register()
    assert raised.value.field == "password" and w.nothing_left()


@pytest.mark.parametrize("step", ["create", "grant"])
def test_a_directory_failure_at_any_step_leaves_nothing(w: World, step: str) -> None:
    w.directory.fail = {step}
    with pytest.raises(Unavailable):
        w.register()
    assert w.nothing_left()
    w.directory.fail = set()
    assert w.register()["uid"] in w.directory.accounts, "the same sign-up again succeeds"


def test_a_failed_transaction_deletes_the_account() -> None:
    w = World(FailingStore())
    with pytest.raises(RuntimeError):
        w.register()
    assert w.nothing_left()


def test_an_account_that_cannot_be_deleted_is_logged_and_the_first_error_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    w = World(FailingStore())
    w.directory.fail = {"delete"}
    with caplog.at_level(logging.ERROR), pytest.raises(RuntimeError, match="firestore unavailable"):
        w.register()
    [uid] = w.directory.accounts
    assert w.store.docs == {} and f"account {uid} could not be deleted" in caplog.text


def test_a_code_already_held_is_drawn_again(w: World) -> None:
    first = w.register(rng=Scripted("AAAAAAAA", "BBBBBBBB"))
    second = w.register(rng=Scripted("CCCCCCCC", "BBBBBBBB", "AAAAAAAA", "DDDDDDDD", "EEEEEEEE", "FFFFFFFF"))
    assert (second["affiliateCodeClient"], second["affiliateCodeRecruitment"]) == ("EEEEEEEE", "FFFFFFFF")
    assert w.store.docs["affiliate_codes/AAAAAAAA"]["uid"] == first["uid"]
    assert w.store.docs["affiliate_codes/BBBBBBBB"]["uid"] == first["uid"]
    assert "affiliate_codes/CCCCCCCC" not in w.store.docs and "affiliate_codes/DDDDDDDD" not in w.store.docs


def test_codes_taken_on_every_draw_abort_and_leave_nothing_new(w: World) -> None:
    first = w.register(rng=Scripted("AAAAAAAA", "BBBBBBBB"))
    before = dict(w.store.docs)
    with pytest.raises(Aborted):
        w.register(rng=Scripted(*["AAAAAAAA", "BBBBBBBB"] * CODE_ATTEMPTS))
    assert w.store.docs == before and list(w.directory.accounts) == [first["uid"]]


def test_twenty_simultaneous_sign_ups_never_share_a_code(w: World) -> None:
    """Every sign-up first draws the same two codes, all of them at once: one gets them."""
    at_once = threading.Barrier(20)

    def together() -> None:
        at_once.wait(10)

    w.directory.on_create = together
    answers: list[dict[str, str]] = []
    errors: list[BaseException] = []

    def sign_up(n: int) -> None:
        try:
            cmd = parse_command(RegisterChatterCommand, {**COMMON, "email": f"racer{n}@example.test"})
            rng = Scripted("SAMECODE", "TWINCODE")
            answers.append(register_affiliate(cmd, store=w.store, directory=w.directory, clock=w.clock, rng=rng))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=sign_up, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == [] and len(answers) == 20
    codes = [a["affiliateCodeClient"] for a in answers] + [a["affiliateCodeRecruitment"] for a in answers]
    assert len(set(codes)) == 40
    assert set(w.store.collection("affiliate_codes")) == set(codes)
    assert len(w.store.collection("affiliates")) == 20 and len(w.directory.accounts) == 20
    [winner] = [a for a in answers if a["affiliateCodeClient"] == "SAMECODE"]
    assert winner["affiliateCodeRecruitment"] == "TWINCODE"


def test_the_firebase_directory_creates_and_deletes_accounts(monkeypatch: pytest.MonkeyPatch) -> None:
    from firebase_admin import auth, exceptions

    class User:
        uid = "new-uid"

    created: list[dict[str, Any]] = []

    def create_user(**kwargs: Any) -> User:
        created.append(kwargs)
        return User()

    directory = FirebaseAccountDirectory(app=None)
    monkeypatch.setattr(auth, "create_user", create_user)
    assert directory.create_account("lina@example.test", "correct-horse-8", "Lina Haddad") == "new-uid"
    assert created == [
        {"email": "lina@example.test", "password": "correct-horse-8", "display_name": "Lina Haddad", "app": None}
    ]

    def refuse(error: Exception) -> Any:
        def create(**kwargs: Any) -> None:
            raise error

        return create

    for error, expected in (
        (auth.EmailAlreadyExistsError("EMAIL_EXISTS", None, None), EmailAlreadyUsed),
        (exceptions.InvalidArgumentError("WEAK_PASSWORD : Password should be at least 6 characters"), PasswordRefused),
        (ValueError("Invalid password string."), PasswordRefused),
        (exceptions.UnavailableError("auth down"), DirectoryError),
    ):
        monkeypatch.setattr(auth, "create_user", refuse(error))
        with pytest.raises(expected):
            directory.create_account("lina@example.test", "correct-horse-8", "Lina Haddad")

    deleted: list[str] = []
    monkeypatch.setattr(auth, "delete_user", lambda uid, app=None: deleted.append(uid))
    directory.delete_account("new-uid")

    def gone(uid: str, app: Any = None) -> None:
        raise auth.UserNotFoundError("no user")

    monkeypatch.setattr(auth, "delete_user", gone)
    directory.delete_account("new-uid")
    assert deleted == ["new-uid"]
