import contextlib
import threading
from datetime import datetime, timedelta
from typing import Any

import pytest

from shared.accounts.services.availability import BusyGroup
from shared.calls.services import scheduling as call_scheduling
from shared.calls.services.commands import CreateAndScheduleCallCommand
from shared.calls.services.scheduling import ScheduledCall
from shared.kernel.commands import Caller
from shared.kernel.errors import (
    DomainError,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    Unavailable,
)
from shared.kernel.store import Transaction
from tests.unit.call_world import CLIENT_PHONE, PROVIDER, PROVIDER_PHONE, CallWorld
from tests.unit.profiles import set_profile

CLIENT = Caller("client1", {"role": "client"})


@pytest.fixture
def world() -> CallWorld:
    return CallWorld(calls={"scheduleDelaySeconds": 120})


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [str(k), *_strings(v)]]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def test_books_the_provider_and_enqueues_the_first_dial(world: CallWorld) -> None:
    payment = world.pay("s1")
    result = world.schedule(world.command(payment), CLIENT)
    now = world.clock.now()
    assert result == ScheduledCall("s1", "scheduled", now + timedelta(seconds=120))
    assert result.as_response() == {
        "callSessionId": "s1",
        "status": "scheduled",
        "scheduledFor": result.scheduled_for.isoformat(),
    }
    session = world.session("s1")
    assert {k: session[k] for k in ("callSessionId", "clientId", "providerId", "serviceType", "paymentIntentId")} == {
        "callSessionId": "s1",
        "clientId": "client1",
        "providerId": PROVIDER,
        "serviceType": "lawyer_call",
        "paymentIntentId": payment,
    }
    assert (session["amount"], session["currency"], session["platformFee"], session["durationMinutes"]) == (
        4900,
        "eur",
        1900,
        20,
    )
    assert session["status"] == "scheduled"
    assert (session["clientLanguage"], session["providerLanguage"]) == ("fr", "de")
    assert session["participants"] == {"provider": {"attempt": 0}, "client": {"attempt": 0}}
    assert session["payment"] == {"state": "authorized"} and session["paymentCaptured"] is False
    assert session["scheduledFor"] == now + timedelta(seconds=120)
    assert session["createdAt"] == session["updatedAt"] == now
    assert world.vault.open(session["clientPhoneSealed"]) == CLIENT_PHONE
    assert world.vault.open(session["providerPhoneSealed"]) == PROVIDER_PHONE

    provider = world.provider()
    assert (provider["availability"], provider["currentCallSessionId"], provider["busySince"]) == ("busy", "s1", now)

    assert world.tasks.order == ["call-s1-provider-1"]
    assert world.tasks.tasks["call-s1-provider-1"] == (
        "executeScheduledCall",
        {"callSessionId": "s1", "party": "provider", "attempt": 1},
        120,
    )
    mail = world.store.get("mail/booked_s1")
    assert mail is not None
    assert mail["toUids"] == ["client1"] and mail["template"]["name"] == "call_booked"
    assert mail["template"]["data"] == {"callSessionId": "s1", "scheduledFor": now + timedelta(seconds=120)}
    sms = world.store.get("sms_outbox/booked_s1")
    assert sms is not None
    assert (sms["status"], sms["template"], sms["toSealed"]) == ("queued", "call_booked", session["clientPhoneSealed"])
    assert sms["body"].startswith("SOS Expat : votre appel est réservé")


def test_phone_numbers_are_stored_only_sealed(world: CallWorld) -> None:
    world.book("s1")
    everything = _strings(world.store.docs)
    for digits in ("612345678", "15123456789"):
        assert not [s for s in everything if digits in s], f"clear phone number {digits} stored"


def test_the_default_schedule_delay_applies_without_settings() -> None:
    world = CallWorld()
    world.book("s1")
    assert world.tasks.delay("call-s1-provider-1") == 300


def test_linked_profiles_become_busy_when_they_share_their_busy_status() -> None:
    world = CallWorld(provider={"shareBusyStatus": True, "linkedProfileIds": ["expat9", "gone"]})
    world.store.set("sos_profiles/expat9", {"availability": "available"})
    world.book("s1")
    linked = world.provider("expat9")
    assert (linked["availability"], linked["currentCallSessionId"], linked["busyBecauseOf"]) == ("busy", "s1", PROVIDER)
    assert world.store.get("sos_profiles/gone") is None
    assert world.store.get("sos_profiles/gone/private/account") is None


def test_a_linked_profile_already_in_another_call_keeps_its_own_session() -> None:
    # Otherwise the end of this call would free a profile whose person is still on the other one.
    world = CallWorld(provider={"shareBusyStatus": True, "linkedProfileIds": ["expat9"]})
    set_profile(world.store, "expat9", {"availability": "busy", "currentCallSessionId": "s0"})
    with contextlib.suppress(FailedPrecondition):  # refusing the booking is fine too
        world.book("s1")
    assert world.provider("expat9")["currentCallSessionId"] == "s0"


def test_linked_profiles_stay_free_without_shared_busy_status() -> None:
    world = CallWorld(provider={"shareBusyStatus": False, "linkedProfileIds": ["expat9"]})
    world.store.set("sos_profiles/expat9", {"availability": "available"})
    world.book("s1")
    assert world.store.get("sos_profiles/expat9") == {"availability": "available"}
    assert world.store.get("sos_profiles/expat9/private/account") is None


def test_booking_twice_returns_the_same_session_and_writes_nothing(world: CallWorld) -> None:
    cmd = world.command(world.pay("s1"))
    first = world.schedule(cmd, CLIENT)
    before = dict(world.store.versions)
    world.clock.advance(30)
    second = world.schedule(cmd, CLIENT)
    assert second == first
    assert world.store.versions == before, "a replay writes no document"
    assert world.tasks.order == ["call-s1-provider-1"]


def _refused(world: CallWorld, cmd: CreateAndScheduleCallCommand, caller: Caller | None = CLIENT) -> DomainError:
    before = dict(world.store.versions)
    with pytest.raises(DomainError) as raised:
        world.schedule(cmd, caller)
    assert world.store.versions == before, "a refused booking writes nothing"
    assert world.tasks.order == []
    return raised.value


def test_unauthenticated_is_refused(world: CallWorld) -> None:
    assert isinstance(_refused(world, world.command(world.pay()), None), Unauthenticated)


def test_booking_for_another_client_is_refused(world: CallWorld) -> None:
    error = _refused(world, world.command(world.pay()), Caller("intruder", {}))
    assert isinstance(error, PermissionDenied) and "clientId" in error.message


def test_an_admin_may_book_for_a_client(world: CallWorld) -> None:
    assert world.schedule(world.command(world.pay()), Caller("admin1", {"admin": True})).call_session_id == "s1"


@pytest.mark.parametrize(
    ("payment", "error"),
    [
        ({"clientId": "client2"}, PermissionDenied),
        ({"providerId": "lawyer2"}, FailedPrecondition),
        ({"serviceType": "expat_call"}, FailedPrecondition),
        ({"state": "captured"}, FailedPrecondition),
        ({"state": "canceled"}, FailedPrecondition),
    ],
)
def test_a_payment_that_does_not_hold_this_call_is_refused(
    world: CallWorld, payment: dict[str, Any], error: type[DomainError]
) -> None:
    refused = _refused(world, world.command(world.pay("s1", **payment)))
    assert type(refused) is error and refused.field == "paymentIntentId"


def test_a_missing_payment_is_refused(world: CallWorld) -> None:
    refused = _refused(world, world.command("pi_unknown"))
    assert isinstance(refused, NotFound) and refused.field == "paymentIntentId"


def test_a_hold_that_no_longer_matches_the_price_is_refused(world: CallWorld) -> None:
    world.store.set(
        f"sos_profiles/{PROVIDER}", {"priceOverrides": {"lawyer_call": {"eur": {"amount": 5900}}}}, merge=True
    )
    refused = _refused(world, world.command(world.pay()))
    assert isinstance(refused, FailedPrecondition) and refused.field == "paymentIntentId"


@pytest.mark.parametrize(
    ("profile", "error"),
    [
        (None, NotFound),
        ({"approvalStatus": "pending"}, FailedPrecondition),
        ({"isVisible": False}, FailedPrecondition),
        ({"phoneSealed": None}, FailedPrecondition),
        ({"availability": "busy", "currentCallSessionId": "other"}, FailedPrecondition),
        ({"availability": "offline"}, FailedPrecondition),
        ({"currentCallSessionId": "other"}, FailedPrecondition),
    ],
)
def test_a_provider_who_cannot_take_the_call_is_refused(
    world: CallWorld, profile: dict[str, Any] | None, error: type[DomainError]
) -> None:
    if profile is None:
        del world.store.docs[f"sos_profiles/{PROVIDER}"]
    else:
        set_profile(world.store, PROVIDER, profile)
    refused = _refused(world, world.command(world.pay()))
    assert type(refused) is error and refused.field == "providerId"


def test_a_provider_phone_that_differs_from_the_one_on_file_is_refused(world: CallWorld) -> None:
    refused = _refused(world, world.command(world.pay(), providerPhone="+33699999999"))
    assert isinstance(refused, InvalidArgument) and refused.field == "providerPhone"


def test_the_provider_phone_on_file_is_accepted_in_any_formatting(world: CallWorld) -> None:
    assert (
        world.schedule(world.command(world.pay(), providerPhone=" +33 6 12 34 56 78"), CLIENT).call_session_id == "s1"
    )


def test_a_failed_enqueue_is_unavailable_and_a_retry_enqueues(world: CallWorld) -> None:
    cmd = world.command(world.pay("s1"))
    world.tasks.fail = True
    with pytest.raises(Unavailable):
        world.schedule(cmd, CLIENT)
    assert world.provider()["currentCallSessionId"] == "s1"
    assert world.tasks.order == []
    world.tasks.fail = False
    assert world.schedule(cmd, CLIENT).call_session_id == "s1"
    assert world.tasks.order == ["call-s1-provider-1"]
    world.schedule(cmd, CLIENT)
    assert world.tasks.order == ["call-s1-provider-1"]


def test_a_retry_after_the_call_started_enqueues_nothing(world: CallWorld) -> None:
    cmd = world.command(world.pay("s1"))
    world.schedule(cmd, CLIENT)
    world.tasks.tasks.clear()  # Cloud Tasks forgets a task's id some time after it ran
    world.store.set("call_sessions/s1", {"status": "calling_provider"}, merge=True)
    assert world.schedule(cmd, CLIENT).status == "calling_provider"
    assert world.tasks.tasks == {}


def test_a_session_id_already_used_by_another_client_is_refused(world: CallWorld) -> None:
    world.book("s1", "client1")
    cmd = world.command(world.pay("s1", "client2"), "client2")
    with pytest.raises(PermissionDenied):
        world.schedule(cmd, Caller("client2", {"role": "client"}))
    assert world.session("s1")["clientId"] == "client1"


def test_two_clients_racing_for_one_provider_book_one_session(
    world: CallWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    commands = [world.command(world.pay(f"s{i}", f"client{i}"), f"client{i}") for i in (1, 2)]
    both_read = threading.Barrier(2, timeout=5)
    first_run = threading.local()
    book = call_scheduling._book

    def book_in_step(tx: Transaction, session: dict[str, Any], providers: BusyGroup, now: datetime) -> None:
        book(tx, session, providers, now)
        if not getattr(first_run, "done", False):
            first_run.done = True
            both_read.wait()  # both transactions saw a free provider before either commits

    monkeypatch.setattr(call_scheduling, "_book", book_in_step)
    outcomes: dict[str, object] = {}

    def run(cmd: CreateAndScheduleCallCommand) -> None:
        try:
            outcomes[cmd.clientId] = world.schedule(cmd, Caller(cmd.clientId, {"role": "client"}))
        except DomainError as exc:
            outcomes[cmd.clientId] = exc

    threads = [threading.Thread(target=run, args=(cmd,)) for cmd in commands]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    [won] = [o for o in outcomes.values() if isinstance(o, ScheduledCall)]
    [lost] = [o for o in outcomes.values() if not isinstance(o, ScheduledCall)]
    assert isinstance(lost, FailedPrecondition) and lost.field == "providerId"
    assert list(world.store.collection("call_sessions")) == [won.call_session_id]
    assert world.provider()["currentCallSessionId"] == won.call_session_id
    assert world.tasks.order == [f"call-{won.call_session_id}-provider-1"]
    assert list(world.store.collection("sms_outbox")) == [f"booked_{won.call_session_id}"]


def test_client_phone_must_be_the_number_verified_on_the_account() -> None:
    w = CallWorld()
    payment = w.pay()
    caller = Caller("client1", {"role": "client", "phone_number": "+33622222222"})
    with pytest.raises(InvalidArgument) as err:
        w.schedule(w.command(payment, clientPhone="+33611111111"), caller)
    assert err.value.field == "clientPhone"
    assert w.schedule(w.command(payment, clientPhone="+33622222222"), caller).status == "scheduled"
