"""A booking driven through the services by hand, as Cloud Tasks and Twilio would: the paths."""

from datetime import timedelta

import pytest

from shared.calls.domain.call_script import AskForDigit, CallScript, HangUp, JoinConference, Say
from shared.calls.domain.call_session import Party
from shared.calls.domain.ivr import prompt
from shared.calls.ports.telephony import DialRequest
from tests.unit.call_world import CLIENT_PHONE, CONFERENCE_SID, PROVIDER_PHONE, CallWorld


@pytest.fixture
def w() -> CallWorld:
    return CallWorld()


def test_a_booking_runs_to_a_captured_call(w: CallWorld) -> None:
    sid = w.book()
    w.clock.advance(300)
    assert w.dial(sid, "provider") == "dialed"
    assert w.telephony.calls == [
        DialRequest(
            to=PROVIDER_PHONE,
            answer_url=w.urls.answer(sid, "provider", 1),
            status_callback=w.urls.status(sid, "provider", 1),
            amd_callback=w.urls.amd(sid, "provider", 1),
            timeout_seconds=30,
        )
    ]
    session = w.session()
    assert session["status"] == "calling_provider"
    provider_sid = w.call_sid(sid, "provider")
    assert session["participants"]["provider"] == {
        "attempt": 1,
        "state": "ringing",
        "dialedAt": w.clock.now(),
        "callSid": provider_sid,
    }

    # The provider picks up: asked in their own language (German) to press 1.
    assert w.answer(sid, "provider") == CallScript(
        (
            AskForDigit(prompt("provider_offer", "de"), w.urls.answer(sid, "provider", 1)),
            Say(prompt("no_input", "de")),
            HangUp(),
        )
    )
    accepted = w.press(sid, "provider")
    assert accepted.script == CallScript(
        (
            Say(prompt("connecting", "de")),
            JoinConference(
                sid, w.urls.conference(sid), start_on_enter=False, end_on_exit=True, time_limit_seconds=1500
            ),
        )
    )
    assert w.session()["status"] == "provider_connected"
    assert w.tasks.order == ["call-s1-provider-1", "call-s1-client-1"]
    assert w.tasks.delay("call-s1-client-1") == 0

    # Then the client, in French.
    assert w.dial(sid, "client") == "dialed"
    assert w.telephony.calls[-1].to == CLIENT_PHONE
    assert w.session()["status"] == "calling_client"
    assert w.answer(sid, "client").steps[0] == AskForDigit(
        prompt("client_offer", "fr"), w.urls.answer(sid, "client", 1)
    )
    joined = w.press(sid, "client")
    assert joined.script is not None and joined.next_dial is None
    assert joined.script.steps[1] == JoinConference(sid, w.urls.conference(sid), True, True, 1500)

    events = w.talk_events(sid, 600)
    for event in events[:3]:
        assert not w.conference(sid, event).settle
    assert w.session()["status"] == "active"
    assert w.session()["conference"]["startedAt"] == events[2][2]
    for event in events[3:]:
        w.conference(sid, event)
    w.ends(sid, "client")
    w.ends(sid, "provider")

    session = w.session()
    assert session["status"] == "completed"
    assert (session["connectedSeconds"], session["billable"]) == (600, True)
    assert session["conference"] == {"sid": CONFERENCE_SID, "startedAt": events[2][2], "endedAt": events[4][2]}
    assert session["payment"]["action"] == "capture" and session["payment"]["state"] == "captured"
    assert session["paymentCaptured"] is True
    assert session["providerEarnings"] == 4900 - 1900
    assert w.gateway.settlements == [("succeeded", session["paymentIntentId"], "capture:s1")]
    assert w.settled == ["s1"]
    provider = w.provider()
    assert (provider["availability"], provider["currentCallSessionId"], provider["busySince"]) == (
        "available",
        None,
        None,
    )
    assert w.store.get("mail/call_completed_s1") is not None
    assert w.store.get("sms_outbox/call_completed_s1") is not None
    audit = w.store.get(f"payment_audit_logs/{session['paymentIntentId']}_capture")
    assert audit is not None and (audit["action"], audit["amount"]) == ("hold_captured", 4900)
    assert w.telephony.hung_up == []


@pytest.mark.parametrize("final", ["no-answer", "busy", "failed", "canceled"])
def test_provider_who_never_answers_is_retried_with_backoff_then_the_hold_is_released(w: CallWorld, final: str) -> None:
    sid = w.book()
    for attempt in (1, 2, 3):
        assert w.dial(sid, "provider", attempt) == "dialed"
        result = w.ends(sid, "provider", final, attempt)
        if attempt < 3:
            assert result.next_dial == (Party.PROVIDER, attempt + 1)
            assert w.tasks.delay(f"call-s1-provider-{attempt + 1}") == 15 * 2 ** (attempt - 1)
            assert w.session()["status"] == "calling_provider"
            assert w.session()["participants"]["provider"]["state"] == "no_answer"
    assert [c.to for c in w.telephony.calls] == [PROVIDER_PHONE] * 3
    assert "call-s1-provider-4" not in w.tasks.tasks
    session = w.session()
    assert (session["status"], session["failureReason"]) == ("failed", "provider_no_answer")
    assert session["payment"]["state"] == "released" and session["paymentReleased"] is True
    assert w.gateway.settlements == [("canceled", session["paymentIntentId"], "release:s1")]
    provider = w.provider()
    assert (provider["availability"], provider["currentCallSessionId"], provider["missedCalls"]) == (
        "available",
        None,
        1,
    )
    sms = w.store.get("sms_outbox/provider_no_answer_s1")
    assert sms is not None and sms["status"] == "queued"


def test_a_provider_missing_too_many_calls_goes_offline() -> None:
    w = CallWorld(provider={"missedCalls": 2})
    sid = w.book()
    for attempt in (1, 2, 3):
        w.dial(sid, "provider", attempt)
        w.ends(sid, "provider", "no-answer", attempt)
    provider = w.provider()
    assert (provider["availability"], provider["isOnline"], provider["offlineReason"]) == (
        "offline",
        False,
        "missed_calls",
    )
    assert provider["missedCalls"] == 3


def test_a_voicemail_is_hung_up_and_counts_as_no_answer(w: CallWorld) -> None:
    sid = w.book()
    w.dial(sid, "provider")
    w.answer(sid, "provider")  # the voicemail picks up and hears the offer
    assert w.machine(sid, "provider", "human").hang_up == []
    provider_sid = w.call_sid(sid, "provider")
    assert w.machine(sid, "provider", "machine_end_beep").hang_up == [provider_sid]
    assert w.telephony.hung_up == [provider_sid]
    assert w.ends(sid, "provider", "completed").next_dial == (Party.PROVIDER, 2)
    assert w.session()["participants"]["provider"]["state"] == "no_answer"


def test_a_person_amd_took_for_a_machine_who_presses_1_is_accepted(w: CallWorld) -> None:
    sid = w.book()
    w.dial(sid, "provider")
    w.answer(sid, "provider")
    assert w.machine(sid, "provider", "machine_start").hang_up == []  # left to the Gather
    assert w.press(sid, "provider").next_dial == (Party.CLIENT, 1)
    assert w.session()["participants"]["provider"]["state"] == "accepted" and w.telephony.hung_up == []


def test_a_machine_start_nobody_answers_for_counts_as_no_answer(w: CallWorld) -> None:
    sid = w.book()
    w.dial(sid, "provider")
    w.answer(sid, "provider")
    w.machine(sid, "provider", "machine_start")
    assert w.ends(sid, "provider", "completed").next_dial == (Party.PROVIDER, 2)


def test_a_machine_result_after_the_provider_accepted_hangs_up_nothing(w: CallWorld) -> None:
    sid = w.book()
    w.provider_accepts(sid)
    assert w.machine(sid, "provider", "machine_end_beep").hang_up == []
    assert w.telephony.hung_up == []


def test_a_provider_who_declines_is_said_goodbye_and_the_attempt_counts_as_unanswered(w: CallWorld) -> None:
    sid = w.book()
    w.dial(sid, "provider")
    declined = w.press(sid, "provider", digits="2")
    assert declined.script == CallScript((Say(prompt("declined", "de")), HangUp()))
    assert declined.next_dial is None
    assert w.session()["participants"]["provider"]["state"] == "declined"
    assert w.session()["status"] == "calling_provider"
    assert w.ends(sid, "provider").next_dial == (Party.PROVIDER, 2)
    assert w.session()["participants"]["provider"]["state"] == "declined"
    assert "call-s1-client-1" not in w.tasks.tasks


def test_client_who_never_answers_fails_the_call_and_hangs_up_the_provider(w: CallWorld) -> None:
    sid = w.book()
    w.provider_accepts(sid)
    provider_sid = w.call_sid(sid, "provider")
    for attempt in (1, 2, 3):
        assert w.dial(sid, "client", attempt) == "dialed"
        result = w.ends(sid, "client", "no-answer", attempt)
        if attempt < 3:
            assert result.next_dial == (Party.CLIENT, attempt + 1)
            assert w.tasks.delay(f"call-s1-client-{attempt + 1}") == 15 * 2 ** (attempt - 1)
    assert w.telephony.hung_up == [provider_sid]
    session = w.session()
    assert (session["status"], session["failureReason"]) == ("failed", "client_no_answer")
    assert session["payment"]["state"] == "released" and w.hold_status() == "canceled"
    assert w.provider()["availability"] == "available" and "missedCalls" not in w.provider()
    assert w.store.get("mail/call_failed_s1") is not None
    # The hung-up provider leaves the conference that never started: nothing changes.
    start = w.clock.now()
    for event in [(1, "participant-join", start, provider_sid), (2, "participant-leave", start, provider_sid)]:
        w.conference(sid, event)
    assert not w.conference(sid, (3, "conference-end", start, None)).settle
    assert w.session()["failureReason"] == "client_no_answer"
    assert w.settled == ["s1"]


@pytest.mark.parametrize(("seconds", "captured"), [(30, False), (59, False), (60, True)])
def test_a_call_shorter_than_the_billable_minimum_is_released(w: CallWorld, seconds: int, captured: bool) -> None:
    sid = w.book()
    w.connect(sid)
    for event in w.talk_events(sid, seconds):
        w.conference(sid, event)
    session = w.session()
    assert (session["status"], session["connectedSeconds"], session["billable"]) == ("completed", seconds, captured)
    assert session["paymentCaptured"] is captured
    assert w.hold_status() == ("succeeded" if captured else "canceled")
    assert session["providerEarnings"] == (3000 if captured else 0)
    assert w.provider()["availability"] == "available"


def test_the_billable_minimum_comes_from_the_settings() -> None:
    w = CallWorld(calls={"minBillableSeconds": 20})
    sid = w.book()
    w.connect(sid)
    for event in w.talk_events(sid, 30):
        w.conference(sid, event)
    assert w.session()["paymentCaptured"] is True


def test_a_booked_call_keeps_the_rules_of_its_booking_and_the_next_booking_takes_the_change() -> None:
    w = CallWorld(calls={"minBillableSeconds": 20, "ringTimeoutSeconds": 25})
    sid = w.book()
    assert w.session()["rules"]["minBillableSeconds"] == 20
    w.store.set("settings/calls", {"minBillableSeconds": 120, "ringTimeoutSeconds": 40})  # an admin's change
    w.connect(sid)
    assert w.telephony.calls[0].timeout_seconds == 25
    for event in w.talk_events(sid, 30):
        w.conference(sid, event)
    assert w.session()["paymentCaptured"] is True, "billed by the minimum of its booking"

    later = w.book("s2", "client2")
    assert w.store.get(f"call_sessions/{later}")["rules"]["minBillableSeconds"] == 120  # type: ignore[index]
    w.dial(later, "provider")
    assert w.telephony.calls[-1].timeout_seconds == 40


def test_a_session_booked_before_sessions_kept_rules_reads_todays_settings() -> None:
    w = CallWorld(calls={"minBillableSeconds": 20})
    sid = w.book()
    session = w.session()
    del session["rules"]
    w.store.set(f"call_sessions/{sid}", session)
    w.connect(sid)
    for event in w.talk_events(sid, 30):
        w.conference(sid, event)
    assert w.session()["paymentCaptured"] is True


def test_provider_leaving_before_the_client_joins_fails_the_call(w: CallWorld) -> None:
    sid = w.book()
    w.provider_accepts(sid)
    w.dial(sid, "client")  # the client's phone rings
    client_sid, provider_sid = w.call_sid(sid, "client"), w.call_sid(sid, "provider")
    at = w.clock.now()
    w.conference(sid, (1, "participant-join", at, provider_sid))
    w.conference(sid, (2, "participant-leave", at + timedelta(seconds=20), provider_sid))
    assert w.conference(sid, (3, "conference-end", at + timedelta(seconds=20), None)).settle
    session = w.session()
    assert (session["status"], session["failureReason"]) == ("failed", "provider_left")
    assert session["conference"] == {"sid": CONFERENCE_SID, "startedAt": None, "endedAt": at + timedelta(seconds=20)}
    assert w.telephony.hung_up == [client_sid]
    assert w.hold_status() == "canceled" and session["payment"]["state"] == "released"
    assert w.provider()["availability"] == "available"
    # The client picks up just after: the call is no longer available.
    assert w.answer(sid, "client") == CallScript((Say(prompt("unavailable", "fr")), HangUp()))


def test_provider_leaving_before_the_client_is_dialled_cancels_the_client_dial(w: CallWorld) -> None:
    sid = w.book()
    w.provider_accepts(sid)
    provider_sid = w.call_sid(sid, "provider")
    at = w.clock.now()
    for event in [(1, "participant-join", at, provider_sid), (2, "conference-end", at, None)]:
        w.conference(sid, event)
    assert w.session()["failureReason"] == "provider_left"
    assert w.dial(sid, "client") == "skipped:session_failed"
    assert len(w.telephony.calls) == 1 and w.telephony.hung_up == []


def test_a_client_alone_in_the_conference_is_not_charged(w: CallWorld) -> None:
    # The provider pressed 1 then hung up before joining: the conference starts with the client
    # alone. Nobody shared the conference, so the hold must not be captured.
    sid = w.book()
    w.provider_accepts(sid)
    w.ends(sid, "provider", "completed")
    client = "CA_never_dialled"
    if w.dial(sid, "client") == "dialed":
        w.press(sid, "client")
        client = w.call_sid(sid, "client")
    at = w.clock.now()
    for event in [
        (1, "participant-join", at, client),
        (2, "conference-start", at, None),
        (3, "participant-leave", at + timedelta(seconds=120), client),
        (4, "conference-end", at + timedelta(seconds=120), None),
    ]:
        w.conference(sid, event)
    session = w.session()
    assert session.get("connectedSeconds", 0) == 0
    assert session["paymentCaptured"] is False
    assert w.hold_status() == "canceled"


def test_linked_profiles_are_freed_when_the_call_ends() -> None:
    w = CallWorld(provider={"shareBusyStatus": True, "linkedProfileIds": ["expat9"]})
    w.store.set("sos_profiles/expat9", {"availability": "available"})
    sid = w.book()
    w.connect(sid)
    for event in w.talk_events(sid, 300):
        w.conference(sid, event)
    linked = w.provider("expat9")
    assert (linked["availability"], linked["currentCallSessionId"]) == ("available", None)
    assert w.provider()["availability"] == "available"
