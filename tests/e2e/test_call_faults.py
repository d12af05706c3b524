"""Faults on the call path: Twilio down, duplicated/reordered callbacks and tasks, races, forgery."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
import requests

from devtools import ports
from tests.e2e.booking import (
    DEFAULT_CLIENT_PHONE,
    asked_cost,
    authorized_hold,
    book,
    calls_finished,
    new_provider,
    provider_doc,
    schedule,
    settled_session,
    sim_calls,
    sim_configure,
    stripe_intent,
)
from tests.e2e.conftest import WebApp, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("fresh_simulator")]
ANSWERS = "+33600000001"


def test_twilio_rest_down_opens_the_breaker_releases_the_hold_and_frees_the_provider(web: WebApp, db: Any) -> None:
    sim_configure(rest_fault="error500")
    booking = book(web, db, ANSWERS)
    session = settled_session(db, booking["callSessionId"])
    assert (session["status"], session["failureReason"]) == ("failed", "twilio_unavailable")
    assert session["payment"]["state"] == "released"
    assert stripe_intent(booking["paymentIntentId"])["status"] == "canceled"
    provider = provider_doc(db, booking["providerId"])
    assert provider["availability"] == "available" and provider["currentCallSessionId"] is None
    breaker = db.document("system/twilio_breaker").get().to_dict()
    assert breaker["consecutiveFailures"] >= 3 and breaker["openUntil"] is not None

    # While the breaker is open, a new booking fails fast: Twilio is not even tried.
    sim_configure(rest_fault="none")
    second = book(web, db, "+33600000009")
    failed = settled_session(db, second["callSessionId"])
    assert (failed["status"], failed["failureReason"]) == ("failed", "twilio_unavailable")
    assert sim_calls("+33600000009") == []


def _happy_outcome(db: Any, booking: dict[str, Any]) -> dict[str, Any]:
    session = settled_session(db, booking["callSessionId"])
    assert session["status"] == "completed"
    assert 295 <= session["connectedSeconds"] <= 305
    assert session["payment"]["state"] == "captured"
    intent = stripe_intent(booking["paymentIntentId"])
    assert intent["status"] == "succeeded" and intent["amount_received"] == 4900
    return session


def test_duplicated_callbacks_give_one_outcome_and_one_capture(web: WebApp, db: Any) -> None:
    sim_configure(callbacks="duplicate")
    booking = book(web, db, ANSWERS)
    session = _happy_outcome(db, booking)
    wait_for(lambda: calls_finished(ANSWERS, DEFAULT_CLIENT_PHONE), what="both calls to end")
    assert len(sim_calls(ANSWERS)) == 1 and len(sim_calls(DEFAULT_CLIENT_PHONE)) == 1
    events = list(db.collection(f"call_sessions/{booking['callSessionId']}/conference_events").stream())
    assert [e.to_dict()["event"] for e in events].count("conference-end") == 1
    assert db.document(f"call_sessions/{booking['callSessionId']}").get().to_dict()["payment"] == session["payment"]


def test_out_of_order_callbacks_give_the_same_outcome(web: WebApp, db: Any) -> None:
    sim_configure(callbacks="shuffle", shuffle_seed=7)
    booking = book(web, db, ANSWERS)
    _happy_outcome(db, booking)


def test_a_task_delivered_twice_places_no_second_call(web: WebApp, db: Any) -> None:
    booking = book(web, db, ANSWERS)
    settled_session(db, booking["callSessionId"])
    task = {"data": {"callSessionId": booking["callSessionId"], "party": "provider", "attempt": 1}}
    url = ports.function_url("europe-west3", "executeScheduledCall")
    statuses: list[int] = []
    threads = [
        threading.Thread(target=lambda: statuses.append(requests.post(url, json=task, timeout=60).status_code))
        for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200, 200, 200]
    assert len(sim_calls(ANSWERS)) == 1
    assert db.document(f"call_sessions/{booking['callSessionId']}").get().to_dict()["status"] == "completed"


def test_twenty_clients_racing_for_one_provider_make_one_session(web: WebApp, db: Any) -> None:
    provider_id = new_provider(db, ANSWERS)
    clients = [web.sign_up() for _ in range(20)]
    holds = [authorized_hold(web, db, client, provider_id) for client in clients]
    results: list[Any] = [None] * 20
    barrier = threading.Barrier(20)
    # Real time: the winner's call must still be running while the 19 others are refused
    # (the emulator can take seconds to serialise 20 transactions on one provider).
    sim_configure(speed=1)

    def race(i: int) -> None:
        barrier.wait()
        results[i] = schedule(web, clients[i], provider_id, holds[i], DEFAULT_CLIENT_PHONE)

    threads = [threading.Thread(target=race, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [r for r in results if r.status == 200]
    losers = [r for r in results if r.status != 200]
    assert len(winners) == 1, [r.body for r in results]
    assert {r.error_status for r in losers} <= {"FAILED_PRECONDITION", "ABORTED"}, [r.body for r in losers]
    for i, r in enumerate(results):  # a request the emulator's locks kept colliding is retried: refused
        if r.error_status == "ABORTED":
            again = schedule(web, clients[i], provider_id, holds[i], DEFAULT_CLIENT_PHONE)
            assert again.error_status == "FAILED_PRECONDITION", again.body
    sessions = [h for h in holds if db.document(f"call_sessions/{_session_of(db, h)}").get().exists]
    assert len(sessions) == 1
    sim_configure(speed=60)
    settled_session(db, winners[0].result["callSessionId"])


def _session_of(db: Any, hold: dict[str, Any]) -> str:
    return str(db.document(f"payments/{hold['paymentIntentId']}").get().to_dict()["callSessionId"])


def test_twilio_webhooks_refuse_missing_or_forged_signatures(web: WebApp, db: Any) -> None:
    booking = book(web, db, ANSWERS)
    call_session_id = booking["callSessionId"]
    settled_session(db, call_session_id)

    def quiet() -> dict[str, Any] | None:
        # Every legitimate callback of the call has been applied (final statuses, cost).
        doc = db.document(f"call_sessions/{call_session_id}").get().to_dict() or {}
        parties = doc.get("participants", {})
        done = all("finalStatus" in parties.get(p, {}) for p in ("provider", "client")) and asked_cost(doc) is not None
        return doc if done else None

    before: dict[str, Any] = wait_for(quiet, timeout=60, what="the call's last callbacks")
    form = {
        "CallSid": before["participants"]["provider"]["callSid"],
        "CallStatus": "completed",
        "Digits": "1",
        "AnsweredBy": "machine_end_beep",
        "StatusCallbackEvent": "conference-end",
        "SequenceNumber": "99",
        "Timestamp": "Sun, 22 Nov 2026 03:00:00 +0000",
    }
    for function in ("twilioCallWebhook", "twilioGatherResponse", "twilioAmdTwiml", "twilioConferenceWebhook"):
        query = f"?callSessionId={call_session_id}&party=provider&attempt=1"
        url = ports.function_url("europe-west3", function) + query
        for headers in ({}, {"X-Twilio-Signature": "forged"}):
            response = requests.post(url, data=form, headers=headers, timeout=30)
            assert response.status_code == 403, function
    after = db.document(f"call_sessions/{call_session_id}").get().to_dict()
    assert json.dumps(after, default=str, sort_keys=True) == json.dumps(before, default=str, sort_keys=True)
    assert not db.document(f"call_sessions/{call_session_id}/conference_events/0099").get().exists


def test_a_malformed_task_is_acknowledged_once_instead_of_retried(db: Any) -> None:
    # Cloud Tasks retries every answer that is not 2xx: a payload that can never parse is dropped.
    malformed: dict[str, list[dict[str, Any]]] = {
        "executeScheduledCall": [
            {"party": "provider"},
            {"callSessionId": "s/1"},
            {"callSessionId": "s1", "attempt": 0},
        ],
        "processTwilioCallback": [{}, {"callbackId": ""}, {"callbackId": 7}],
    }
    for function, payloads in malformed.items():
        url = ports.function_url("europe-west3", function)
        for data in payloads:
            answer = requests.post(url, json={"data": data}, timeout=60)
            assert answer.status_code == 200, (function, data, answer.status_code, answer.text)
    assert db.document("call_sessions/s1").get().exists is False
