"""Public and private provider fields: each writer keeps them apart; the migration splits old profiles."""

from typing import Any

import pytest

from shared.accounts.services.provider_profiles import (
    PRIVATE_FIELDS,
    account_path,
    migrate_profiles,
    move_private_fields,
    profile_path,
    split_profile,
)
from shared.kernel.errors import FailedPrecondition
from tests.fakes import InMemoryStore
from tests.unit.call_world import PROVIDER, CallWorld

PUBLIC_BEFORE_A_CALL = {"type", "approvalStatus", "isVisible", "availability", "languages"}


def public(w: CallWorld, uid: str = PROVIDER) -> dict[str, Any]:
    doc = w.store.get(profile_path(uid))
    assert doc is not None
    return doc


def account(w: CallWorld, uid: str = PROVIDER) -> dict[str, Any]:
    return w.store.get(account_path(uid)) or {}


def test_booking_marks_the_public_profile_busy_and_keeps_the_session_private() -> None:
    w = CallWorld(provider={"shareBusyStatus": True, "linkedProfileIds": ["expat9"]})
    w.store.set(profile_path("expat9"), {"type": "expat", "availability": "available"})
    sid = w.book()
    for uid in (PROVIDER, "expat9"):
        assert public(w, uid)["availability"] == "busy"
        assert not PRIVATE_FIELDS & public(w, uid).keys(), uid
        assert account(w, uid)["currentCallSessionId"] == sid
        assert account(w, uid)["busySince"] == w.clock.now()
    assert account(w, "expat9")["busyBecauseOf"] == PROVIDER
    assert w.vault.open(account(w)["phoneSealed"])


def test_missed_calls_and_going_offline_stay_private_but_the_offline_state_is_public() -> None:
    w = CallWorld(provider={"missedCalls": 2})
    sid = w.book()
    for attempt in (1, 2, 3):
        w.dial(sid, "provider", attempt)
        w.ends(sid, "provider", "no-answer", attempt)
    assert (public(w)["availability"], public(w)["isOnline"]) == ("offline", False)
    assert set(public(w)) == PUBLIC_BEFORE_A_CALL | {"isOnline"}
    assert account(w)["missedCalls"] == 3 and account(w)["offlineReason"] == "missed_calls"
    assert (account(w)["currentCallSessionId"], account(w)["busySince"]) == (None, None)


def test_a_completed_call_frees_the_provider_and_writes_nothing_private_publicly() -> None:
    w = CallWorld()
    sid = w.book()
    w.connect(sid)
    for event in w.talk_events(sid, 300):
        w.conference(sid, event)
    assert public(w)["availability"] == "available"
    assert set(public(w)) == PUBLIC_BEFORE_A_CALL
    assert account(w)["currentCallSessionId"] is None


def test_a_booking_is_refused_while_the_private_account_holds_another_session() -> None:
    w = CallWorld()
    w.store.set(account_path(PROVIDER), {"currentCallSessionId": "other"}, merge=True)
    with pytest.raises(FailedPrecondition, match="busy or offline"):
        w.book()


def test_split_profile_sorts_every_field() -> None:
    data = {"firstName": "Ana", "email": "a@x.test", "earningsByCurrency": {"eur": 1}, "isVisible": True}
    assert split_profile(data) == (
        {"firstName": "Ana", "isVisible": True},
        {"email": "a@x.test", "earningsByCurrency": {"eur": 1}},
    )


LEGACY = {
    "type": "lawyer",
    "firstName": "Ana",
    "isVisible": True,
    "availability": "busy",
    "completedCalls": 7,
    "email": "ana@x.test",
    "phoneSealed": "sealed",
    "stripeAccountId": "acct_1",
    "earningsByCurrency": {"eur": 9000},
    "missedCalls": 1,
    "currentCallSessionId": "s9",
    "busySince": "2026-01-01T00:00:00Z",
    "offlineReason": None,
}


def test_the_migration_moves_private_fields_out_of_public_profiles() -> None:
    store = InMemoryStore()
    store.set(profile_path("ana"), LEGACY)
    store.set(account_path("ana"), {"currentCallSessionId": "s10"})  # written since the deploy: newer
    store.set(profile_path("ben"), {"type": "expat", "isVisible": True})
    assert migrate_profiles(store, ["ana", "ben", "gone"], apply=False)["profiles"] == {
        "ana": sorted(PRIVATE_FIELDS & LEGACY.keys())
    }
    assert store.get(profile_path("ana")) == LEGACY  # a dry run writes nothing

    report = migrate_profiles(store, ["ana", "ben", "gone"], apply=True)
    assert report == {"applied": True, "profiles": {"ana": sorted(PRIVATE_FIELDS & LEGACY.keys())}}
    assert store.get(profile_path("ana")) == {
        "type": "lawyer",
        "firstName": "Ana",
        "isVisible": True,
        "availability": "busy",
        "completedCalls": 7,
    }
    moved = store.get(account_path("ana"))
    assert moved is not None
    assert moved["currentCallSessionId"] == "s10"
    assert (moved["email"], moved["stripeAccountId"], moved["earningsByCurrency"]) == (
        "ana@x.test",
        "acct_1",
        {"eur": 9000},
    )
    assert store.get(profile_path("ben")) == {"type": "expat", "isVisible": True}
    assert store.get(account_path("ben")) is None and store.get(profile_path("gone")) is None


def test_the_migration_runs_again_without_effect() -> None:
    store = InMemoryStore()
    store.set(profile_path("ana"), LEGACY)
    assert move_private_fields(store, "ana")
    versions = dict(store.versions)
    assert move_private_fields(store, "ana") == []
    assert store.versions == versions


def test_the_subscription_customer_email_comes_from_the_private_account() -> None:
    from shared.subscriptions.services.checkout import provider_profile

    store = InMemoryStore()
    store.set(profile_path("lawyer1"), {"type": "lawyer", "isVisible": True})
    store.set(account_path("lawyer1"), {"email": "l@x.test"})
    assert provider_profile(store, "lawyer1")[1]["email"] == "l@x.test"


def test_a_provider_is_found_in_the_first_profile_that_says_provider() -> None:
    from shared.accounts.services.provider_profiles import find_provider

    store = InMemoryStore()
    store.set(profile_path("u1"), {"type": "client"})
    store.set("users/u1", {"role": "expat", "email": "u@x.test"})
    assert find_provider(store, "u1") == {"role": "expat", "email": "u@x.test"}
    store.set("providers/u2", {"type": "lawyer"})
    assert find_provider(store, "u2") == {"type": "lawyer"}
    assert find_provider(store, "nobody") is None
