"""A self-service sign-up is a client; completeClientProfile writes its users document."""

from __future__ import annotations

from typing import Any

import pytest

from shared.accounts.services.clients import claims_at_sign_up, complete_client_profile
from shared.accounts.services.commands import CompleteClientProfileCommand
from shared.kernel.commands import Caller, parse_command
from shared.kernel.errors import InvalidArgument, PermissionDenied, Unauthenticated
from tests.fakes import FakeClock, InMemoryStore

FORM = {"firstName": "Lea", "lastName": "Martin", "country": "de", "language": "FR"}
CLIENT = Caller("c1", {"role": "client", "email": "lea@example.test"})


@pytest.mark.parametrize(
    ("existing", "claims"),
    [
        (None, {"role": "client"}),
        ({}, {"role": "client"}),
        ({"beta": True}, {"beta": True, "role": "client"}),
        ({"role": "chatter"}, None),  # created by the server with its role: left alone
    ],
)
def test_a_sign_up_gets_the_client_role_unless_it_has_one(existing: Any, claims: Any) -> None:
    assert claims_at_sign_up(existing) == claims


def complete(store: InMemoryStore, clock: FakeClock, caller: Caller | None, **changes: Any) -> dict[str, Any]:
    cmd = parse_command(CompleteClientProfileCommand, {**FORM, **changes})
    return complete_client_profile(cmd, caller, store=store, clock=clock)


def test_the_profile_is_written_once_and_updated_after() -> None:
    store, clock = InMemoryStore(), FakeClock()
    assert complete(store, clock, CLIENT) == {"uid": "c1", "role": "client", "created": True, "referredBy": None}
    created = clock.now()
    assert store.get("users/c1") == {
        "uid": "c1",
        "email": "lea@example.test",
        "role": "client",
        "firstName": "Lea",
        "lastName": "Martin",
        "country": "DE",
        "language": "fr",
        "createdAt": created,
        "updatedAt": created,
    }
    clock.advance(60)
    assert complete(store, clock, CLIENT, lastName="Martin-Roy")["created"] is False
    doc = store.get("users/c1") or {}
    assert (doc["lastName"], doc["createdAt"], doc["updatedAt"]) == ("Martin-Roy", created, clock.now())


@pytest.mark.parametrize(("field", "value"), [("country", "FRA"), ("language", "french"), ("firstName", "")])
def test_bad_input_names_the_field_and_writes_nothing(field: str, value: Any) -> None:
    store = InMemoryStore()
    with pytest.raises(InvalidArgument) as raised:
        complete(store, FakeClock(), CLIENT, **{field: value})
    assert raised.value.field == field and store.docs == {}


def test_only_a_signed_in_client_completes_a_client_profile() -> None:
    store = InMemoryStore()
    with pytest.raises(Unauthenticated):
        complete(store, FakeClock(), None)
    with pytest.raises(PermissionDenied):
        complete(store, FakeClock(), Caller("p1", {"role": "lawyer"}))
    with pytest.raises(PermissionDenied):
        complete(store, FakeClock(), Caller("x1", {}))
    assert store.docs == {}
