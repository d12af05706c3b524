"""Fault switches, failing webhooks and scripted personas."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio_sim_support import (
    CALLER_ID,
    SCHEDULING_SLACK,
    SimEnv,
    env_fixture,  # noqa: F401
    make_client,
    product_app_fixture,  # noqa: F401
    rfc2822_seconds,
    sim_server_fixture,  # noqa: F401
    wait_until,
)


def test_rest_error500_for_the_next_request_only(env: SimEnv) -> None:
    env.configure(rest_fault="error500", rest_fault_count=1)
    with pytest.raises(TwilioRestException) as caught:
        env.call("+33600000007")
    assert caught.value.status == 500
    assert caught.value.code == 20500
    call = env.call("+33600000007")  # the fault was used up
    assert call.status == "queued"
    assert env.control("GET", "config")["rest_fault"] == "none"


def test_rest_timeout_holds_requests(env: SimEnv) -> None:
    env.configure(rest_fault="timeout", rest_fault_hold_seconds=1.0, rest_fault_count=1)
    impatient = make_client(env.sim.base_url, http_client=TwilioHttpClient(timeout=0.3))
    with pytest.raises(requests.exceptions.Timeout):
        impatient.calls.create(to="+33600000007", from_=CALLER_ID, twiml="<Response/>")
    # A slow request is not a lost one: once released it is processed.
    calls = wait_until(lambda: env.control("GET", "calls"), timeout=5, what="held call")
    assert calls[0]["to"] == "+33600000007"


def test_dropped_callbacks_are_recorded_but_not_sent(env: SimEnv) -> None:
    env.configure(callbacks="drop")
    call = env.call("+33600000004")
    data = env.wait_final(call.sid)
    assert env.product.requests_to("/status") == []
    assert len(env.product.requests_to("/voice")) == 1  # TwiML is still fetched
    callbacks = data["callbacks"]
    assert [c["event"] for c in callbacks] == ["initiated", "ringing", "answered", "completed"]
    assert all(c["dropped"] and not c["delivered"] for c in callbacks)


def test_duplicated_callbacks_arrive_twice(env: SimEnv) -> None:
    env.configure(callbacks="duplicate")
    call = env.call("+33600000007")
    env.wait_final(call.sid)
    env.product.wait_for(lambda _: len(env.product.requests_to("/status")) == 6, what="copies")
    received = env.product.requests_to("/status")
    assert [r["CallStatus"] for r in received] == [
        "initiated",
        "initiated",
        "ringing",
        "ringing",
        "busy",
        "busy",
    ]
    tokens = [r.headers["I-Twilio-Idempotency-Token"] for r in received]
    assert tokens[0] == tokens[1]
    assert tokens[0] != tokens[2]
    assert all(r.signature_valid for r in received)


def test_shuffled_callbacks_are_delivered_reversed_at_call_end(env: SimEnv) -> None:
    env.configure(callbacks="shuffle")
    call = env.call("+33600000004")
    env.wait_final(call.sid)
    received = env.product.wait_for(lambda _: len(env.product.requests_to("/status")) == 4, what="shuffled callbacks")
    statuses = [r.params["CallStatus"] for r in received if r.path == "/status"]
    assert statuses == ["completed", "in-progress", "ringing", "initiated"]
    sequence = [r["SequenceNumber"] for r in env.product.requests_to("/status")]
    assert sequence == ["3", "2", "1", "0"]


def test_shuffle_with_a_seed_is_reproducible(env: SimEnv) -> None:
    orders = []
    for _ in range(2):
        env.product.clear()
        env.configure(callbacks="shuffle", shuffle_seed=7)
        call = env.call("+33600000004")
        env.wait_final(call.sid)
        env.product.wait_for(lambda _: len(env.product.requests_to("/status")) == 4)
        orders.append([r["SequenceNumber"] for r in env.product.requests_to("/status")])
    assert orders[0] == orders[1]
    assert orders[0] != ["0", "1", "2", "3"]
    assert sorted(orders[0]) == ["0", "1", "2", "3"]


def test_shuffled_conference_callbacks_arrive_at_conference_end(env: SimEnv) -> None:
    env.configure(callbacks="shuffle")
    call = env.call("+33600000005", conf="shuffled")
    env.wait_final(call.sid)
    env.product.wait_for(lambda _: len(env.product.conference_events("shuffled")) == 3)
    events = [e["StatusCallbackEvent"] for e in env.product.conference_events("shuffled")]
    assert events == ["conference-end", "participant-leave", "participant-join"]


def test_failing_callback_endpoint_is_recorded_not_retried(env: SimEnv) -> None:
    env.product.overrides["/status"] = (500, "boom")
    call = env.call("+33600000007")
    data = env.wait_final(call.sid)
    assert len(env.product.requests_to("/status")) == 3  # no retries
    assert [c["status_code"] for c in data["callbacks"]] == [500, 500, 500]
    assert not any(c["delivered"] for c in data["callbacks"])
    notices = env.control("GET", "notices")
    assert {n["code"] for n in notices} == {15003}
    history = env.control("GET", "callbacks")
    assert len(history) == 3


def test_invalid_twiml_plays_an_application_error(env: SimEnv) -> None:
    env.product.overrides["/voice"] = (200, "<Response><Say>unclosed")
    call = env.call("+33612345678")
    data = env.wait_final(call.sid)
    assert data["status"] == "completed"
    assert data["said"] == [
        {
            "text": "We are sorry, an application error has occurred. Goodbye.",
            "language": "en-US",
            "voice": "man",
            "origin": "twilio",
        }
    ]
    assert [n["code"] for n in env.control("GET", "notices")] == [12100]


def test_twiml_http_error_plays_an_application_error(env: SimEnv) -> None:
    env.product.overrides["/voice"] = (503, "down")
    call = env.call("+33612345678")
    data = env.wait_final(call.sid)
    assert data["twiml_fetches"][0]["status_code"] == 503
    assert data["said"][0]["origin"] == "twilio"
    assert [n["code"] for n in env.control("GET", "notices")] == [11200]


def test_scripted_persona(env: SimEnv) -> None:
    number = "+33699999999"
    env.configure(personas={number: {"ring_seconds": 20, "digits": "1", "talk_seconds": 12}})
    personas = env.control("GET", "personas")
    assert personas[number]["talk_seconds"] == 12
    call = env.call(number, conf="scripted")
    data = env.wait_final(call.sid)
    assert data["persona"]["ring_seconds"] == 20
    times = {r["CallStatus"]: rfc2822_seconds(r["Timestamp"]) for r in env.product.requests_to("/status", call.sid)}
    assert 19 <= times["in-progress"] - times["ringing"] <= 20 + SCHEDULING_SLACK
    join, leave, _ = env.conference_events("scripted")
    assert 11 <= rfc2822_seconds(leave["Timestamp"]) - rfc2822_seconds(join["Timestamp"]) <= 12 + SCHEDULING_SLACK


def test_persona_variants(env: SimEnv) -> None:
    env.configure(
        personas={
            "+33688888881": {"outcome": "failed"},
            "+33688888882": {"outcome": "answer", "ring_seconds": 90},
            "+33688888883": {"hangup_after": 3, "digits": []},
        }
    )
    failed = env.call("+33688888881")
    late = env.call("+33688888882")
    quitter = env.call("+33688888883")
    assert env.wait_final(failed.sid)["status"] == "failed"
    assert env.wait_final(late.sid)["status"] == "no-answer"  # rings past Timeout=60
    data = env.wait_final(quitter.sid)
    assert data["status"] == "completed"
    assert 2 <= int(data["duration"]) <= 18  # 600x: scheduling delay adds virtual seconds


def test_invalid_config_is_rejected_without_side_effects(env: SimEnv) -> None:
    bad: list[dict[str, Any]] = [
        {"callbacks": "sometimes"},
        {"rest_fault": "explode"},
        {"speed": 0},
        {"personas": {"+33611111111": {"outcome": "maybe"}}},
        {"personas": {"+33611111111": {"unknown": 1}}},
        {"callbacks": "drop", "nope": True},
    ]
    for body in bad:
        response = requests.post(f"{env.sim.base_url}/_sim/config", json=body, timeout=5)
        assert response.status_code == 400, body
    config = env.control("GET", "config")
    assert config["callbacks"] == "normal"
    assert "+33611111111" not in config["personas"]


def test_speed_is_adjustable_and_reset_restores_defaults(env: SimEnv) -> None:
    assert env.configure(speed=6000)["speed"] == 6000
    assert env.control("GET", "health")["speed"] == 6000
    call = env.call("+33600000002")
    data = env.wait_final(call.sid, timeout=5)
    assert data["status"] == "no-answer"
    env.configure(callbacks="drop", personas={"+33600000002": {"outcome": "busy"}})
    reset = env.control("POST", "reset")
    assert reset["speed"] == 600
    assert reset["callbacks"] == "normal"
    assert env.control("GET", "calls") == []
    assert env.control("GET", "personas")["+33600000002"]["outcome"] == "no-answer"
