"""The call sequence under duplicated, reordered and failing deliveries."""

from dataclasses import replace
from datetime import datetime, timedelta
from itertools import permutations
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.calls.adapters.session_repository import BREAKER_PATH
from shared.calls.domain.call_script import CallScript, HangUp, Say
from shared.calls.domain.call_session import Party
from shared.calls.domain.ivr import prompt
from shared.calls.services import twilio_callbacks as twilio
from shared.calls.services.dialing import DialTask
from shared.calls.services.follow_ups import FollowUps
from shared.kernel.errors import InvalidArgument, PaymentGatewayError
from tests.unit.call_world import CallWorld

Event = tuple[int, str, datetime, str | None]


def _outcome(w: CallWorld) -> dict[str, Any]:
    session = w.session()
    keep = ("status", "failureReason", "connectedSeconds", "billable", "paymentCaptured", "providerEarnings")
    return {
        **{k: session.get(k) for k in keep},
        "payment": (session["payment"]["action"], session["payment"]["state"]),
        "hold": w.hold_status(),
        "settled": list(w.settled),
        "stripe": len(w.gateway.settlements),
        "provider": w.provider()["availability"],
    }


# --- duplicates ----------------------------------------------------------------------------------


def test_every_delivery_twice_has_the_effect_of_one() -> None:
    w = CallWorld()
    sid = w.book()
    assert [w.dial(sid, "provider"), w.dial(sid, "provider")] == ["dialed", "skipped:duplicate"]
    first, again = w.press(sid, "provider"), w.press(sid, "provider")
    assert first.next_dial == (Party.CLIENT, 1)
    assert again.duplicate and again.next_dial is None and again.script == first.script
    assert [w.dial(sid, "client"), w.dial(sid, "client")] == ["dialed", "skipped:duplicate"]
    w.press(sid, "client")
    assert w.press(sid, "client").duplicate
    for event in w.talk_events(sid, 300):
        w.conference(sid, event)
        assert not w.conference(sid, event).settle
    for party in ("client", "provider"):
        w.ends(sid, party)
        assert w.ends(sid, party).duplicate
    assert len(w.telephony.calls) == 2
    assert w.tasks.order == ["call-s1-provider-1", "call-s1-client-1"]
    assert w.settled == ["s1"] and w.gateway.settlements[0][2] == "capture:s1"
    assert len(w.gateway.settlements) == 1 and w.hold_status() == "succeeded"


def test_a_redelivered_no_answer_schedules_one_retry() -> None:
    w = CallWorld()
    sid = w.book()
    w.dial(sid, "provider")
    assert w.ends(sid, "provider", "no-answer").next_dial == (Party.PROVIDER, 2)
    again = w.ends(sid, "provider", "no-answer")
    assert again.duplicate and again.next_dial is None
    assert w.store.get(f"processed_events/twilio_call_{w.call_sid(sid, 'provider')}_no-answer") is not None


def test_late_callbacks_of_an_earlier_attempt_change_nothing() -> None:
    w = CallWorld()
    sid = w.book()
    w.dial(sid, "provider")
    first_sid = w.call_sid(sid, "provider")
    w.ends(sid, "provider", "no-answer")
    w.dial(sid, "provider", 2)
    before = w.session()
    unavailable = CallScript((Say(prompt("unavailable", "de")), HangUp()))
    assert w.answer(sid, "provider", attempt=1) == unavailable
    late = twilio.gather(sid, "provider", 1, first_sid, "1", store=w.store, urls=w.urls, now=w.clock.now())
    assert late.next_dial is None and late.script == unavailable
    assert w.session() == before
    assert w.dial(sid, "provider", 1) == "skipped:duplicate"


def test_tasks_for_unknown_or_moved_on_sessions_are_skipped() -> None:
    w = CallWorld()
    w.tasks.enqueue("executeScheduledCall", {"callSessionId": "nope"}, task_id="t1")
    assert w.run_task("t1") == "skipped:no_session"
    sid = w.book()
    w.tasks.enqueue("executeScheduledCall", {"callSessionId": sid, "party": "client", "attempt": 1}, task_id="t2")
    assert w.run_task("t2") == "skipped:session_scheduled"
    assert w.telephony.calls == []


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ([], "data"),
        ({}, "callSessionId"),
        ({"callSessionId": "s1", "party": "lawyer"}, "party"),
        ({"callSessionId": "s1", "attempt": 0}, "attempt"),
        ({"callSessionId": "s1", "attempt": True}, "attempt"),
        ({"callSessionId": "s1", "attempt": "2"}, "attempt"),
    ],
)
def test_a_malformed_dial_task_is_refused(payload: object, field: str) -> None:
    with pytest.raises(InvalidArgument) as raised:
        DialTask.parse(payload)
    assert raised.value.field == field


def test_a_dial_task_enqueued_before_the_rename_still_runs() -> None:
    task = DialTask.parse({"sessionId": "s1", "party": "client", "attempt": 2})
    assert task.payload() == {"callSessionId": "s1", "party": "client", "attempt": 2}


# --- conference events in any order ---------------------------------------------------------------


def _connected() -> CallWorld:
    w = CallWorld()
    w.connect(w.book())
    return w


def _deliver(connected: CallWorld, order: tuple[Event, ...] | list[Event]) -> dict[str, Any]:
    w = connected.fork()
    for event in order:
        w.conference("s1", event)
    return _outcome(w)


@pytest.mark.parametrize(("seconds", "captured"), [(600, True), (30, False)])
def test_conference_events_in_every_order_settle_the_same(seconds: int, captured: bool) -> None:
    connected = _connected()
    events = connected.talk_events("s1", seconds)
    expected = _deliver(connected, events)
    assert (expected["status"], expected["connectedSeconds"], expected["paymentCaptured"]) == (
        "completed",
        seconds,
        captured,
    )
    for order in permutations(events):
        assert _deliver(connected, order) == expected, [e[1] for e in order]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_conference_events_duplicated_and_shuffled_settle_the_same(data: st.DataObject) -> None:
    connected = _connected()
    events = connected.talk_events("s1", 600)
    deliveries = data.draw(st.permutations(events + data.draw(st.lists(st.sampled_from(events), max_size=6))))
    assert _deliver(connected, deliveries) == _deliver(connected, events)


def test_provider_left_in_every_order_fails_the_same() -> None:
    outcomes = []
    for order in permutations(["participant-join", "participant-leave", "conference-end"]):
        w = CallWorld()
        sid = w.book()
        w.provider_accepts(sid)
        provider_sid, at = w.call_sid(sid, "provider"), w.clock.now()
        sequence = {"participant-join": 1, "participant-leave": 2, "conference-end": 3}
        for name in order:
            w.conference(sid, (sequence[name], name, at, provider_sid if name.startswith("participant") else None))
        outcomes.append(_outcome(w))
    assert outcomes[0]["failureReason"] == "provider_left" and outcomes[0]["hold"] == "canceled"
    assert all(o == outcomes[0] for o in outcomes)


def test_a_conference_event_without_a_sequence_number_is_ignored() -> None:
    w = CallWorld()
    sid = w.book()
    w.connect(sid)
    params = {"StatusCallbackEvent": "conference-end", "ConferenceSid": "CF1"}
    assert twilio.conference_event(sid, params, store=w.store, now=w.clock.now()) == twilio.CallbackResult()
    assert w.session()["status"] == "calling_client"


# --- Twilio down: retries, circuit breaker ------------------------------------------------------------


def test_twilio_failing_opens_the_breaker_fails_the_session_and_later_sessions_fail_fast() -> None:
    w = CallWorld()
    sid = w.book()
    w.telephony.failures = 3
    assert w.dial(sid, "provider", 1) == "retry"
    assert w.session()["participants"]["provider"]["state"] == "dial_failed"
    assert w.tasks.delay("call-s1-provider-2") == 15
    assert w.dial(sid, "provider", 2) == "retry"
    assert w.tasks.delay("call-s1-provider-3") == 30
    assert w.dial(sid, "provider", 3) == "failed"
    assert w.telephony.calls == []
    session = w.session()
    assert (session["status"], session["failureReason"]) == ("failed", "twilio_unavailable")
    assert w.hold_status() == "canceled" and session["payment"]["state"] == "released"
    assert w.provider()["availability"] == "available" and "missedCalls" not in w.provider()
    assert w.store.get(BREAKER_PATH) == {"consecutiveFailures": 3, "openUntil": w.clock.now() + timedelta(seconds=60)}

    # While open, a new session fails fast without dialling.
    w.clock.advance(30)
    w.book("s2")
    assert w.dial("s2", "provider") == "skipped:breaker_open"
    assert w.telephony.calls == []
    assert (w.session("s2")["status"], w.session("s2")["failureReason"]) == ("failed", "twilio_unavailable")
    assert w.hold_status("s2") == "canceled"

    # Once the open period is over, a trial call goes through and closes the breaker.
    w.clock.advance(30)
    w.book("s3")
    assert w.dial("s3", "provider") == "dialed"
    assert w.store.get(BREAKER_PATH) == {"consecutiveFailures": 0, "openUntil": None}


def test_the_breaker_threshold_fails_the_session_before_the_attempts_run_out() -> None:
    w = CallWorld(calls={"breakerFailureThreshold": 2, "breakerOpenSeconds": 10})
    sid = w.book()
    w.telephony.failures = 2
    assert [w.dial(sid, "provider", 1), w.dial(sid, "provider", 2)] == ["retry", "failed"]
    assert "call-s1-provider-3" not in w.tasks.tasks
    assert w.store.get(BREAKER_PATH) == {"consecutiveFailures": 2, "openUntil": w.clock.now() + timedelta(seconds=10)}


@pytest.mark.parametrize("breaker_open", [False, True])
def test_twilio_failing_for_the_client_also_hangs_up_the_waiting_provider(breaker_open: bool) -> None:
    w = CallWorld()
    sid = w.book()
    w.provider_accepts(sid)
    provider_sid = w.call_sid(sid, "provider")
    if breaker_open:
        w.store.set(BREAKER_PATH, {"consecutiveFailures": 3, "openUntil": w.clock.now() + timedelta(seconds=60)})
        assert w.dial(sid, "client") == "skipped:breaker_open"
    else:
        w.telephony.failures = 3
        assert [w.dial(sid, "client", a) for a in (1, 2, 3)] == ["retry", "retry", "failed"]
    assert w.session()["failureReason"] == "twilio_unavailable" and w.hold_status() == "canceled"
    # The provider pressed 1 and waits alone in the conference: the call must be ended.
    assert w.telephony.hung_up == [provider_sid]


# --- settlement and follow-ups ----------------------------------------------------------------------------


def test_a_failed_capture_is_recorded_and_a_later_retry_captures_once() -> None:
    w = CallWorld()
    sid = w.book()
    w.connect(sid)
    w.gateway.failures = [PaymentGatewayError("stripe unavailable", retryable=True)]
    for event in w.talk_events(sid, 600):
        w.conference(sid, event)
    payment = w.session()["payment"]
    assert (payment["action"], payment["state"], payment["attempts"]) == ("capture", "failed", 1)
    assert payment["lastError"] == "stripe unavailable" and payment["lastAttemptAt"] == w.clock.now()
    assert w.session()["paymentCaptured"] is False and w.hold_status() == "requires_capture"
    assert w.settle(sid) == "captured"
    assert w.settle(sid) == "captured"
    # Stripe saved the 5xx under `capture:s1` (it would replay it for 24 h): the retry has its own key.
    assert w.gateway.keys_used[1:] == ["capture:s1", "capture:s1:1"]
    assert w.gateway.settlements == [("succeeded", w.session()["paymentIntentId"], "capture:s1:1")]
    assert w.session()["paymentCaptured"] is True and w.session()["providerEarnings"] == 3000


def test_a_capture_refused_for_good_keeps_its_key() -> None:
    w = CallWorld()
    sid = w.book()
    w.connect(sid)
    w.gateway.failures = [PaymentGatewayError("card error expired", retryable=False)]
    for event in w.talk_events(sid, 600):
        w.conference(sid, event)
    assert w.session()["payment"]["keyAttempt"] == 0
    assert w.settle(sid) == "failed"  # Stripe replays its saved refusal: no new key for a 4xx
    assert w.gateway.keys_used[1:] == ["capture:s1", "capture:s1"]


def test_stripe_answering_another_status_is_recorded_as_failed() -> None:
    w = CallWorld()
    sid = w.book()
    w.connect(sid)
    payment_id = w.session()["paymentIntentId"]
    w.gateway.holds[payment_id] = replace(w.gateway.holds[payment_id], status="requires_payment_method")
    for event in w.talk_events(sid, 600):
        w.conference(sid, event)
    assert w.session()["payment"]["state"] == "failed"
    assert w.session()["payment"]["lastError"] == "stripe answered requires_payment_method to capture"


def test_follow_ups_hang_up_then_enqueues_the_next_dial_then_settles() -> None:
    w = CallWorld()
    sid = w.book()
    w.telephony.hang_up_failures = 1
    seen: list[tuple[list[str], list[str]]] = []

    def settle(call_session_id: str) -> None:
        seen.append((list(w.telephony.hung_up), list(w.tasks.order)))

    result = twilio.CallbackResult(
        settle=True, next_dial=(Party.CLIENT, 2), next_dial_delay_seconds=15, hang_up=["CA1", "CA2"]
    )
    FollowUps(store=w.store, tasks=w.tasks, telephony=w.telephony, settle=settle).perform(result, sid)
    assert w.telephony.hung_up == ["CA2"], "a failed hang-up does not stop the others"
    assert w.tasks.tasks["call-s1-client-2"] == (
        "executeScheduledCall",
        {"callSessionId": sid, "party": "client", "attempt": 2},
        15,
    )
    assert seen == [(["CA2"], ["call-s1-provider-1", "call-s1-client-2"])]


def test_follow_ups_of_nothing_does_nothing() -> None:
    w = CallWorld()
    calls: list[str] = []
    FollowUps(store=w.store, tasks=w.tasks, telephony=w.telephony, settle=calls.append).perform(
        twilio.CallbackResult(), "s1"
    )
    assert (calls, w.telephony.hung_up, w.tasks.order) == ([], [], [])


def test_a_task_for_a_cancelled_session_does_nothing() -> None:
    w = CallWorld()
    sid = w.book()
    w.store.set(f"call_sessions/{sid}", {"status": "cancelled"}, merge=True)
    assert w.dial(sid, "provider") == "skipped:session_cancelled"
    assert w.telephony.calls == []
    assert w.session()["status"] == "cancelled"
