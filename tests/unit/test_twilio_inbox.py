"""Twilio callbacks are kept at once and applied from a task; a lost conference event does not
stop the settlement (issue 10, items 1, 2 and 5)."""

import contextlib
from datetime import timedelta
from typing import Any

import pytest

from shared.calls.ports.telephony import CallRecord
from shared.calls.services import twilio_inbox
from shared.calls.services.task_payloads import callback_task_payload
from shared.kernel.errors import InvalidArgument
from tests.unit.call_world import CONFERENCE_SID, CallWorld, rfc2822


def _params(
    w: CallWorld, sid: str, event: tuple[int, str, Any, str | None], conference: str = CONFERENCE_SID
) -> dict[str, str]:
    sequence, name, at, call_sid = event
    return {
        "ConferenceSid": conference,
        "FriendlyName": sid,
        "StatusCallbackEvent": name,
        "SequenceNumber": str(sequence),
        "Timestamp": rfc2822(at),
        **({"CallSid": call_sid} if call_sid else {}),
    }


def _receive(
    w: CallWorld, sid: str, params: dict[str, str], kind: str = twilio_inbox.CONFERENCE
) -> twilio_inbox.StoredCallback:
    found = twilio_inbox.receive(kind, sid, "", 0, params, store=w.store, tasks=w.tasks, now=w.clock.now())
    assert found is not None
    return found


def _process(w: CallWorld, found: twilio_inbox.StoredCallback) -> str:
    return twilio_inbox.process(found, store=w.store, telephony=w.telephony, clock=w.clock, follow_ups=w.follow_ups)


def _unanswered_provider() -> tuple[CallWorld, twilio_inbox.StoredCallback]:
    """Session s1 whose provider did not answer: the final status stored, not yet applied."""
    w = CallWorld()
    sid = w.book()
    w.dial(sid, "provider")
    params = {"CallSid": w.call_sid(sid, "provider"), "CallStatus": "no-answer", "CallDuration": "0"}
    found = twilio_inbox.receive(
        twilio_inbox.CALL_STATUS, sid, "provider", 1, params, store=w.store, tasks=w.tasks, now=w.clock.now()
    )
    assert found is not None
    return w, found


def _joined() -> tuple[CallWorld, str, tuple[int, str, Any, str | None]]:
    """A connected session and the first event of its conference (the provider's join)."""
    w = CallWorld()
    sid = w.book()
    w.connect(sid)
    return w, sid, w.talk_events(sid, 600)[0]


def test_a_conference_event_is_stored_among_its_sessions_events_and_its_processing_enqueued_once() -> None:
    w, sid, event = _joined()
    first = _receive(w, sid, _params(w, sid, event))
    assert _receive(w, sid, _params(w, sid, event)) == first  # Twilio's duplicate finds it
    assert first.path == f"call_sessions/{sid}/conference_events/{CONFERENCE_SID}_0001"
    stored = w.store.get(first.path)
    assert stored is not None and stored["processedAt"] is None and stored["params"]["SequenceNumber"] == "1"
    assert stored["event"] == "participant-join" and stored["sequence"] == 1 and stored["timestamp"] == event[2]
    assert w.store.collection("twilio_callbacks") == {}  # stored once
    assert [t for t in w.tasks.order if t.startswith("twilio-")] == [f"twilio-{first.callback_id}"]
    payload = callback_task_payload(w.tasks.tasks[f"twilio-{first.callback_id}"][1])
    assert twilio_inbox.StoredCallback(payload.callbackId, payload.callSessionId, payload.conferenceEventId) == first
    assert _process(w, first) == "applied" and _process(w, first) == "done"
    assert len(w.store.collection(f"call_sessions/{sid}/conference_events")) == 1


def test_a_conference_event_stored_by_the_previous_release_is_still_applied() -> None:
    w = CallWorld()
    sid = w.book()
    w.connect(sid)
    params = _params(w, sid, w.talk_events(sid, 600)[0])
    found = twilio_inbox.callback_id(twilio_inbox.CONFERENCE, params)
    assert found is not None
    old = {"kind": "conference", "callSessionId": sid, "party": "", "attempt": 0, "params": params}
    w.store.set(f"twilio_callbacks/{found}", {**old, "receivedAt": w.clock.now(), "processedAt": None})
    legacy = twilio_inbox.StoredCallback(callback_task_payload({"callbackId": found}).callbackId)
    assert _process(w, legacy) == "applied"
    assert w.store.collection(f"call_sessions/{sid}/conference_events")  # recorded by the task, as it was
    assert (w.store.get(f"twilio_callbacks/{found}") or {})["processedAt"] is not None


def test_a_callback_stored_before_the_rename_is_still_applied() -> None:
    w, found = _unanswered_provider()
    stored = w.store.get(found.path)
    assert found.path.startswith("twilio_callbacks/") and stored is not None and stored["callSessionId"] == "s1"
    w.store.set(found.path, {**{k: v for k, v in stored.items() if k != "callSessionId"}, "sessionId": "s1"})
    assert _process(w, found) == "applied"
    assert "call-s1-provider-2" in w.tasks.order


def test_progress_statuses_are_not_kept() -> None:
    w = CallWorld()
    params = {"CallSid": "CA1", "CallStatus": "ringing"}
    assert (
        twilio_inbox.receive(
            twilio_inbox.CALL_STATUS, "s1", "provider", 1, params, store=w.store, tasks=w.tasks, now=w.clock.now()
        )
        is None
    )
    assert w.store.collection("twilio_callbacks") == {}


def test_a_final_status_is_applied_by_the_task_with_its_effects() -> None:
    w, found = _unanswered_provider()
    assert w.session()["participants"]["provider"]["state"] == "ringing"  # not yet
    assert _process(w, found) == "applied"
    assert w.session()["participants"]["provider"]["state"] == "no_answer"
    assert "call-s1-provider-2" in w.tasks.order  # the next attempt, carried out by the task


def _dropped(w: CallWorld, sid: str, lost: int) -> list[twilio_inbox.StoredCallback]:
    """Every event of a 10-minute call but `lost`, delivered through the inbox and processed."""
    events = [e for e in w.talk_events(sid, 600) if e[0] != lost]
    return [_receive(w, sid, _params(w, sid, e)) for e in events]


def test_a_lost_event_before_conference_end_waits_then_settles_from_twilio_records() -> None:
    w = CallWorld()
    sid = w.book()
    w.connect(sid)
    events = w.talk_events(sid, 600)
    client_left = events[3][2]
    w.telephony.records[w.call_sid(sid, "client")] = CallRecord("completed", None, client_left)
    found = _dropped(w, sid, lost=4)  # the client's participant-leave never arrives
    for callback in found[:3]:
        assert _process(w, callback) == "applied"
    assert w.session()["status"] == "active"
    with pytest.raises(twilio_inbox.CallbackNotApplicable):
        _process(w, found[3])  # conference-end: the gap may still be filled
    assert w.session()["status"] == "active" and w.settled == []
    w.clock.advance(21)  # past conferenceGapGraceSeconds: Twilio will not send it again
    assert _process(w, found[3]) == "applied"
    session = w.session()
    assert session["status"] == "completed" and session["conference"]["settledWithGaps"] is True
    assert (session["connectedSeconds"], session["billable"]) == (600, True)
    assert session["payment"]["state"] == "captured"


def test_a_lost_join_is_taken_as_the_acceptance_time() -> None:
    w = CallWorld()
    sid = w.book()
    w.connect(sid)
    found = _dropped(w, sid, lost=2)  # the client's participant-join
    for callback in found:
        with contextlib.suppress(twilio_inbox.CallbackNotApplicable):
            _process(w, callback)
    w.clock.advance(21)
    for callback in found:
        _process(w, callback)
    session = w.session()
    assert session["status"] == "completed" and session["conference"]["settledWithGaps"] is True
    assert session["connectedSeconds"] == 600  # from the acceptance, bounded by the conference start


def test_events_of_another_conference_with_the_same_name_are_kept_but_not_applied() -> None:
    w = CallWorld()
    sid = w.book()
    w.connect(sid)
    events = w.talk_events(sid, 600)
    for event in events[:3]:
        _process(w, _receive(w, sid, _params(w, sid, event)))
    assert w.session()["conference"]["sid"] == CONFERENCE_SID
    other = "CF" + "b" * 32
    early_end = (1, "conference-end", events[2][2] + timedelta(seconds=5), None)
    assert _process(w, _receive(w, sid, _params(w, sid, early_end, conference=other))) == "applied"
    assert w.session()["status"] == "active"  # another room's end changes nothing here
    for event in events[3:]:
        _process(w, _receive(w, sid, _params(w, sid, event)))
    assert w.session()["connectedSeconds"] == 600


def test_a_callback_whose_task_never_ran_is_applied_by_the_sweep() -> None:
    w = CallWorld()
    sid = w.book()
    w.connect(sid)
    found = _receive(w, sid, _params(w, sid, w.talk_events(sid, 600)[0]))
    process_one = lambda callback: _process(w, callback)  # noqa: E731
    assert twilio_inbox.process_forgotten(store=w.store, now=w.clock.now(), process_one=process_one) == []
    w.clock.advance(180)
    assert twilio_inbox.process_forgotten(store=w.store, now=w.clock.now(), process_one=process_one) == [
        found.callback_id
    ]
    stored = w.store.get(found.path)
    assert stored is not None and stored["processedAt"] is not None


def test_the_sweep_finds_forgotten_call_statuses_and_conference_events_of_every_session() -> None:
    w, sid, join = _joined()
    event = _receive(w, sid, _params(w, sid, join))
    elsewhere = _receive(w, "s2", _params(w, "s2", join, conference="CF" + "2" * 32))
    params = {"CallSid": w.call_sid(sid, "provider"), "CallStatus": "completed", "CallDuration": "60"}
    status = _receive(w, sid, params, kind=twilio_inbox.CALL_STATUS)
    w.clock.advance(180)
    seen: list[twilio_inbox.StoredCallback] = []
    process_one = lambda callback: seen.append(callback)  # noqa: E731
    found = twilio_inbox.process_forgotten(store=w.store, now=w.clock.now(), process_one=process_one)
    assert sorted(found) == sorted(c.callback_id for c in (event, elsewhere, status))
    assert set(seen) == {event, elsewhere, status} and elsewhere.path.startswith("call_sessions/s2/")


def test_a_lost_conference_end_is_made_up_for_by_both_calls_ending() -> None:
    w = CallWorld()
    sid = w.book()
    w.connect(sid)
    events = w.talk_events(sid, 600)
    for event in events:
        if event[1] != "conference-end":  # lost: Twilio never sends it again
            _process(w, _receive(w, sid, _params(w, sid, event)))
    assert w.session()["status"] == "active"
    ended = events[4][2]
    finals = []
    for party in ("provider", "client"):
        call_sid = w.call_sid(sid, party)
        w.telephony.records[call_sid] = CallRecord("completed", None, ended)
        params = {"CallSid": call_sid, "CallStatus": "completed", "CallDuration": "600"}
        found = twilio_inbox.receive(
            twilio_inbox.CALL_STATUS, sid, party, 1, params, store=w.store, tasks=w.tasks, now=w.clock.now()
        )
        assert found is not None
        finals.append(found)
    assert _process(w, finals[0]) == "applied"  # one call over: the other may still talk
    with pytest.raises(twilio_inbox.CallbackNotApplicable):
        _process(w, finals[1])  # both over: conference-end may still come
    assert w.session()["status"] == "active"
    w.clock.advance(21)
    assert _process(w, finals[1]) == "applied"
    session = w.session()
    assert session["status"] == "completed" and session["settledFrom"] == "twilio_call_records"
    assert session["connectedSeconds"] == 600 and session["payment"]["state"] == "captured"


def test_only_the_second_final_status_of_an_active_call_says_both_calls_are_over() -> None:
    w = CallWorld()
    sid = w.book()
    w.connect(sid)
    for event in w.talk_events(sid, 600)[:3]:  # joined and started: the call is active
        _process(w, _receive(w, sid, _params(w, sid, event)))
    assert w.session()["status"] == "active"
    first, second = w.ends(sid, "provider"), w.ends(sid, "client")
    assert first.calls_over_grace_seconds is None
    assert second.calls_over_grace_seconds == w.settings.conference_gap_grace_seconds
    assert w.ends(sid, "client").duplicate and w.ends(sid, "client").calls_over_grace_seconds is not None


def test_final_statuses_after_the_settlement_wait_for_nothing() -> None:
    w = CallWorld()
    sid = w.book()
    w.connect(sid)
    for event in w.talk_events(sid, 600):
        _process(w, _receive(w, sid, _params(w, sid, event)))
    assert w.session()["status"] == "completed"
    for party in ("provider", "client"):
        params = {"CallSid": w.call_sid(sid, party), "CallStatus": "completed", "CallDuration": "600"}
        found = twilio_inbox.receive(
            twilio_inbox.CALL_STATUS, sid, party, 1, params, store=w.store, tasks=w.tasks, now=w.clock.now()
        )
        assert found is not None and _process(w, found) == "applied"  # no CallbackNotApplicable
    assert w.session()["participants"]["client"]["finalStatus"] == "completed"


@pytest.mark.parametrize(
    ("payload", "field"),
    [([], "data"), ({}, "callbackId"), ({"callbackId": ""}, "callbackId"), ({"callbackId": "a/b"}, "callbackId")],
)
def test_a_malformed_callback_task_is_refused_naming_the_field(payload: object, field: str) -> None:
    with pytest.raises(InvalidArgument) as raised:
        callback_task_payload(payload)
    assert raised.value.field == field


def test_a_callback_task_names_its_stored_callback() -> None:
    assert callback_task_payload({"callbackId": "conf-CF1-0001", "extra": 1}).callbackId == "conf-CF1-0001"
