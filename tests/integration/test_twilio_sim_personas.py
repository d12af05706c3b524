"""Each built-in persona, driven by the real twilio client and a product app."""

from __future__ import annotations

import pytest
from twilio_sim_support import (
    FINAL,
    SCHEDULING_SLACK,
    SimEnv,
    env_fixture,  # noqa: F401
    product_app_fixture,  # noqa: F401
    rfc2822_seconds,
    sim_server_fixture,  # noqa: F401
)


def _status_times(env: SimEnv, sid: str) -> dict[str, float]:
    return {r["CallStatus"]: rfc2822_seconds(r["Timestamp"]) for r in env.product.requests_to("/status", sid)}


def _assert_signed(env: SimEnv) -> None:
    assert env.product.received
    assert all(r.signature_valid for r in env.product.received)


@pytest.mark.parametrize(
    ("number", "talk"),
    [("+33600000005", 30), ("+33600000006", 480), ("+33612345678", 300)],
)
def test_talkers_join_then_hang_up_after_their_talk_time(env: SimEnv, number: str, talk: int) -> None:
    call = env.call(number, conf=f"room-{number}")
    assert call.status == "queued"
    assert call.sid.startswith("CA")
    assert len(call.sid) == 34

    data = env.wait_final(call.sid)

    assert env.product.statuses(call.sid) == [
        "initiated",
        "ringing",
        "in-progress",
        "completed",
    ]
    assert data["digits_sent"] == ["1"]
    completed = env.product.requests_to("/status", call.sid)[-1]
    duration = int(completed["CallDuration"])
    # CallDuration is virtual: talk time plus the IVR before joining.
    assert talk < duration < talk + 25
    assert completed["Duration"] == str(-(-duration // 60))
    assert [r["SequenceNumber"] for r in env.product.requests_to("/status", call.sid)] == [
        "0",
        "1",
        "2",
        "3",
    ]
    events = env.conference_events(f"room-{number}")
    kinds = [(e["StatusCallbackEvent"], e.params.get("CallSid")) for e in events]
    assert kinds == [
        ("participant-join", call.sid),
        ("participant-leave", call.sid),
        ("conference-end", None),
    ]
    join, leave = events[0], events[1]
    in_conference = rfc2822_seconds(leave["Timestamp"]) - rfc2822_seconds(join["Timestamp"])
    # At the default speed (600) a virtual second is 1.7 real ms: a busy machine's scheduling
    # delay shows as a few virtual seconds, never as a talk time cut short.
    assert talk - 1 <= in_conference <= talk + 15
    assert leave["ReasonParticipantLeft"] == "participant_hung_up"
    assert events[2]["ReasonConferenceEnded"] == "last-participant-left"
    _assert_signed(env)


def test_accepting_persona_stays_until_the_conference_ends(env: SimEnv) -> None:
    call = env.call("+33600000001", conf="stay")
    env.product.wait_for(
        lambda rs: any(r.params.get("StatusCallbackEvent") == "participant-join" for r in rs),
        what="participant-join",
    )
    conference = env.client.conferences.list(friendly_name="stay")[0]
    assert conference.status == "init"  # alone: Twilio waits for a second party
    # Staying persona never leaves by itself; the call is still up.
    assert env.client.calls(call.sid).fetch().status == "in-progress"

    env.client.conferences(conference.sid).update(status="completed")
    data = env.wait_final(call.sid)

    assert data["status"] == "completed"
    events = [e["StatusCallbackEvent"] for e in env.conference_events("stay")]
    assert events == ["participant-join", "participant-leave", "conference-end"]
    end = env.conference_events("stay")[-1]
    assert end["ReasonConferenceEnded"] == "conference-ended-via-api"
    assert env.client.conferences(conference.sid).fetch().status == "completed"


def test_never_answers_is_no_answer_after_the_timeout(env: SimEnv) -> None:
    call = env.call("+33600000002")
    data = env.wait_final(call.sid)
    assert data["status"] == "no-answer"
    assert env.product.statuses(call.sid) == ["initiated", "ringing", "no-answer"]
    final = env.product.requests_to("/status", call.sid)[-1]
    assert final["CallDuration"] == "0"
    times = _status_times(env, call.sid)
    assert 58 <= times["no-answer"] - times["ringing"] <= 60 + SCHEDULING_SLACK
    assert env.product.requests_to("/voice", call.sid) == []


def test_no_answer_honours_the_call_timeout(env: SimEnv) -> None:
    call = env.call("+33600000002", timeout=15)
    env.wait_final(call.sid)
    times = _status_times(env, call.sid)
    assert 14 <= times["no-answer"] - times["ringing"] <= 15 + SCHEDULING_SLACK


def test_voicemail_is_detected_and_never_presses(env: SimEnv) -> None:
    call = env.call("+33600000003", machine_detection="DetectMessageEnd")
    data = env.wait_final(call.sid)

    fetch = env.product.requests_to("/voice", call.sid)[0]
    assert fetch["AnsweredBy"] == "machine_end_beep"
    assert int(fetch["MachineDetectionDuration"]) > 0
    assert data["digits_sent"] == []
    assert env.product.requests_to("/gather", call.sid) == []
    assert "Nous n'avons pas recu de reponse." in [s["text"] for s in data["said"]]
    assert data["answered_by"] == "machine_end_beep"
    completed = env.product.requests_to("/status", call.sid)[-1]
    assert completed["AnsweredBy"] == "machine_end_beep"


def test_voicemail_with_async_amd(env: SimEnv) -> None:
    call = env.client.calls.create(
        to="+33600000003",
        from_="+33100000000",
        url=env.product.url("/hold"),
        machine_detection="DetectMessageEnd",
        async_amd="true",
        async_amd_status_callback=env.product.url("/amd"),
        async_amd_status_callback_method="POST",
    )
    env.product.wait_for(lambda _: bool(env.product.requests_to("/amd")), what="AMD callback")
    amd = env.product.requests_to("/amd")[0]
    assert amd["CallSid"] == call.sid
    assert amd["AnsweredBy"] == "machine_end_beep"
    assert amd["MachineDetectionDuration"] == "12000"
    assert amd.signature_valid
    # Async: the TwiML was fetched before detection finished.
    assert "AnsweredBy" not in env.product.requests_to("/hold", call.sid)[0].params
    env.client.calls(call.sid).update(status="completed")
    env.wait_final(call.sid, callback=False)


def test_machine_start_with_enable_mode(env: SimEnv) -> None:
    call = env.call("+33600000003", machine_detection="Enable")
    env.wait_final(call.sid)
    assert env.product.requests_to("/voice", call.sid)[0]["AnsweredBy"] == "machine_start"


def test_human_with_amd(env: SimEnv) -> None:
    call = env.call("+33600000004", machine_detection="Enable")
    env.wait_final(call.sid)
    assert env.product.requests_to("/voice", call.sid)[0]["AnsweredBy"] == "human"


def test_decliner_presses_two(env: SimEnv) -> None:
    call = env.call("+33600000004")
    data = env.wait_final(call.sid)
    gather = env.product.requests_to("/gather", call.sid)
    assert [g["Digits"] for g in gather] == ["2"]
    assert data["digits_sent"] == ["2"]
    assert data["said"][-1] == {
        "text": "Mission refusee.",
        "language": "fr-FR",
        "voice": "man",
        "origin": "twiml",
    }
    assert env.product.conference_events("room") == []
    assert env.product.statuses(call.sid)[-1] == "completed"


def test_busy(env: SimEnv) -> None:
    call = env.call("+33600000007")
    data = env.wait_final(call.sid)
    assert data["status"] == "busy"
    assert env.product.statuses(call.sid) == ["initiated", "ringing", "busy"]
    assert env.product.requests_to("/status", call.sid)[-1]["CallDuration"] == "0"
    fetched = env.client.calls(call.sid).fetch()
    assert fetched.status == "busy"
    assert fetched.duration == "0"


def test_status_callback_parameters(env: SimEnv) -> None:
    call = env.call("+33600000004")
    env.wait_final(call.sid)
    for request in env.product.requests_to("/status", call.sid):
        params = request.params
        assert params["AccountSid"] == env.client.username
        assert params["CallSid"] == call.sid
        assert params["From"] == "+33100000000"
        assert params["To"] == "+33600000004"
        assert params["Direction"] == "outbound-api"
        assert params["ApiVersion"] == "2010-04-01"
        assert params["CallbackSource"] == "call-progress-events"
        rfc2822_seconds(params["Timestamp"])
        assert request.query == {"leg": "provider"}
    assert env.product.requests_to("/status", call.sid)[-1]["CallStatus"] in FINAL


def test_only_completed_callback_by_default(env: SimEnv) -> None:
    call = env.client.calls.create(
        to="+33600000007",
        from_="+33100000000",
        url=env.product.url("/voice"),
        status_callback=env.product.url("/status"),
    )
    env.wait_final(call.sid)
    assert env.product.statuses(call.sid) == ["busy"]
