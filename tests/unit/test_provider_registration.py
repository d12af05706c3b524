"""registerProvider: a signed-in account becomes a pending, hidden provider, all or nothing."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from shared.accounts.adapters.firebase_directory import FirebaseAccountDirectory
from shared.accounts.ports.directory import AccountDirectory, DirectoryAccount, DirectoryError
from shared.accounts.services.commands import RegisterProviderCommand
from shared.accounts.services.registration import register_provider
from shared.calls.adapters.phone_crypto import AesGcmPhoneVault
from shared.kernel.commands import Caller, parse_command
from shared.kernel.errors import AlreadyExists, InvalidArgument, PermissionDenied, Unauthenticated, Unavailable
from tests.fakes import FakeClock, InMemoryStore
from tests.unit.call_world import KEY

MOBILE = "+33612345678"
FORM: dict[str, Any] = {
    "providerType": "lawyer",
    "firstName": "Ana",
    "lastName": "Ruiz",
    "country": "fr",
    "languages": ["fr", "EN", "fr"],
    "phone": MOBILE,
    "specialties": ["immigration", "labour law"],
    "bio": "Ten years  of immigration law.",
    "payoutMethod": "stripe",
}


class FakeDirectory(AccountDirectory):
    def __init__(self) -> None:
        self.accounts: dict[str, DirectoryAccount] = {}
        self.fail_grants = 0

    def add(self, uid: str, email: str | None = "ana@example.test", **claims: Any) -> None:
        self.accounts[uid] = DirectoryAccount(uid, email, claims)

    def account(self, uid: str) -> DirectoryAccount | None:
        return self.accounts.get(uid)

    def grant_role(self, uid: str, role: str) -> None:
        if self.fail_grants:
            self.fail_grants -= 1
            raise DirectoryError("auth unavailable")
        found = self.accounts[uid]
        self.accounts[uid] = DirectoryAccount(uid, found.email, {**found.claims, "role": role})

    def set_claims(self, uid: str, changes: dict[str, Any]) -> None:
        found = self.accounts[uid]
        claims = {k: v for k, v in {**found.claims, **changes}.items() if v is not None}
        self.accounts[uid] = DirectoryAccount(uid, found.email, claims)

    def set_disabled(self, uid: str, disabled: bool) -> None:
        found = self.accounts[uid]
        self.accounts[uid] = DirectoryAccount(uid, found.email, found.claims, disabled)

    def create_account(self, email: str, password: str, display_name: str) -> str:
        uid = f"u{len(self.accounts) + 1}"
        self.add(uid, email)
        return uid

    def delete_account(self, uid: str) -> None:
        self.accounts.pop(uid, None)


class World:
    def __init__(self) -> None:
        self.store, self.directory, self.clock = InMemoryStore(), FakeDirectory(), FakeClock()
        self.vault = AesGcmPhoneVault(KEY)

    def register(self, uid: str = "u1", **changes: Any) -> dict[str, Any]:
        cmd = parse_command(RegisterProviderCommand, {**FORM, **changes})
        caller = Caller(uid, dict(self.directory.accounts[uid].claims)) if uid in self.directory.accounts else None
        return register_provider(
            cmd, caller, store=self.store, directory=self.directory, vault=self.vault, clock=self.clock
        )

    def written(self) -> dict[str, Any]:
        return {path: doc for path, doc in self.store.docs.items()}


@pytest.fixture
def w() -> World:
    world = World()
    world.directory.add("u1")
    return world


def test_a_new_account_becomes_a_pending_hidden_lawyer(w: World) -> None:
    assert w.register() == {"providerId": "u1", "type": "lawyer", "approvalStatus": "pending"}
    profile = w.store.get("sos_profiles/u1")
    assert profile is not None
    assert (profile["approvalStatus"], profile["isVisible"], profile["isAvailable"]) == ("pending", False, False)
    assert profile["languages"] == ["fr", "en"] and profile["country"] == "FR"
    assert profile["bio"] == "Ten years of immigration law."
    assert not {"email", "phoneSealed", "phone", "paypalEmail"} & set(profile), "private fields stay private"
    account = w.store.get("sos_profiles/u1/private/account")
    assert account is not None and account["email"] == "ana@example.test"
    assert MOBILE not in str(account) and w.vault.open(account["phoneSealed"]) == MOBILE
    assert w.store.get("users/u1") == {
        "uid": "u1",
        "email": "ana@example.test",
        "role": "lawyer",
        "firstName": "Ana",
        "lastName": "Ruiz",
        "country": "FR",
        "language": "fr",
        "createdAt": w.clock.now(),
        "updatedAt": w.clock.now(),
    }
    [log] = w.store.collection("provider_action_logs").values()
    assert (log["action"], log["actor"], log["providerId"]) == ("registered", "u1", "u1")
    assert w.directory.accounts["u1"].role == "lawyer"


def test_a_client_account_may_become_an_expat_paid_by_paypal_at_its_own_email(w: World) -> None:
    w.directory.add("u2", email="bo@example.test", role="client")
    w.store.set("users/u2", {"role": "client", "createdAt": "earlier"})
    w.register("u2", providerType="expat", payoutMethod="paypal")
    account = w.store.get("sos_profiles/u2/private/account") or {}
    assert account["paypalEmail"] == "bo@example.test"
    assert (w.store.get("users/u2") or {})["createdAt"] == "earlier", "the account's creation is kept"
    assert w.directory.accounts["u2"].role == "expat"


def test_a_second_registration_is_already_exists_and_changes_nothing(w: World) -> None:
    w.register()
    before = w.written()
    with pytest.raises(AlreadyExists):
        w.register(providerType="expat", firstName="Other")
    assert w.written() == before


def test_a_failed_role_grant_is_finished_by_the_same_request_again(w: World) -> None:
    w.directory.fail_grants = 1
    with pytest.raises(Unavailable):
        w.register()
    assert w.store.get("sos_profiles/u1") is not None and w.directory.accounts["u1"].role is None
    assert w.register()["type"] == "lawyer"
    assert w.directory.accounts["u1"].role == "lawyer"
    assert len(w.store.collection("provider_action_logs")) == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("providerType", "doctor"),
        ("providerType", 3),
        ("firstName", ""),
        ("firstName", 12),
        ("lastName", "x" * 81),
        ("country", "XX"),
        ("languages", []),
        ("languages", ["french"]),
        ("phone", "0612345678"),
        ("phone", "+33145678901"),  # a fixed line: a provider is called and texted on a mobile
        ("phone", "+3361234"),
        ("specialties", "immigration"),
        ("specialties", [""]),
        ("bio", "x" * 3001),
        ("payoutMethod", "cash"),
        ("paypalEmail", "not-an-email"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(w: World, field: str, value: Any) -> None:
    with pytest.raises(InvalidArgument) as raised:
        w.register(**{field: value})
    assert raised.value.field == field
    assert w.written() == {} and w.directory.accounts["u1"].role is None


@pytest.mark.parametrize("missing", ["providerType", "firstName", "lastName", "country", "languages", "phone"])
def test_a_missing_field_is_named(w: World, missing: str) -> None:
    data = {k: v for k, v in FORM.items() if k != missing}
    with pytest.raises(InvalidArgument) as raised:
        parse_command(RegisterProviderCommand, data)
    assert raised.value.field == missing


def test_paypal_without_any_email_is_refused(w: World) -> None:
    w.directory.add("u3", email=None)
    with pytest.raises(InvalidArgument) as raised:
        w.register("u3", payoutMethod="paypal")
    assert raised.value.field == "paypalEmail" and w.written() == {}


def test_only_a_signed_in_new_or_client_account_registers(w: World) -> None:
    with pytest.raises(Unauthenticated):
        w.register("nobody")
    w.directory.add("a1", role="admin", admin=True)
    with pytest.raises(PermissionDenied):
        w.register("a1")
    assert w.written() == {}


def test_two_concurrent_registrations_create_one_profile(w: World) -> None:
    results: list[object] = []

    def run() -> None:
        try:
            results.append(w.register())
        except AlreadyExists as exc:
            results.append(exc)

    threads = [threading.Thread(target=run) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(results) == 8 and len(w.store.collection("provider_action_logs")) == 1
    assert w.directory.accounts["u1"].role == "lawyer"


def test_the_firebase_directory_keeps_other_claims(monkeypatch: pytest.MonkeyPatch) -> None:
    from firebase_admin import auth

    class User:
        uid, email, custom_claims = "u1", "ana@example.test", {"admin": True, "role": "client"}

    written: list[dict[str, Any]] = []
    monkeypatch.setattr(auth, "get_user", lambda uid, app=None: User())
    monkeypatch.setattr(auth, "set_custom_user_claims", lambda uid, claims, app=None: written.append(claims))
    directory = FirebaseAccountDirectory(app=None)
    assert directory.account("u1") == DirectoryAccount("u1", "ana@example.test", {"admin": True, "role": "client"})
    directory.grant_role("u1", "lawyer")
    assert written == [{"admin": True, "role": "lawyer"}]
