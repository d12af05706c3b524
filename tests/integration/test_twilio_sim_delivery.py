"""Callback delivery as Twilio does it: parallel requests, one retry on connection
failures only, and one conference event lost per room."""

from __future__ import annotations

import time
from typing import Any

from twilio_sim_support import (
    CALLER_ID,
    ProductApp,
    Received,
    SimEnv,
    env_fixture,  # noqa: F401
    product_app_fixture,  # noqa: F401
    sim_server_fixture,  # noqa: F401
    wait_until,
)

from devtools.twilio_sim import free_port

HOLD = 0.5  # real seconds the product takes to answer a callback


def _joined(env: SimEnv, conf: str, count: int) -> bool:
    events = env.product.conference_events(conf)
    return bool(sum(e["StatusCallbackEvent"] == "participant-join" for e in events) >= count)


def _two_party_call(env: SimEnv, conf: str, *, end_sent: bool = True) -> tuple[str, str, list[Received]]:
    """Provider (stays) joins first; the client hangs up after 30 s and ends the room. The room's
    events the product received (with `end_sent`, once `conference-end` has arrived)."""
    provider = env.call("+33600000001", conf=conf, leg="provider")
    env.product.wait_for(lambda _: _joined(env, conf, 1), what="provider join")
    client = env.call("+33600000005", conf=conf, leg="client", voice_query={"end": "true"})
    env.wait_final(client.sid)
    env.wait_final(provider.sid)
    return provider.sid, client.sid, env.conference_events(conf) if end_sent else env.product.conference_events(conf)


def _callbacks(env: SimEnv, kind: str) -> list[dict[str, Any]]:
    return [c for c in env.control("GET", "callbacks") if c["kind"] == kind]


def test_parallel_delivery_sends_the_hang_up_callbacks_together(env: SimEnv) -> None:
    env.configure(delivery="parallel")
    env.product.delays.update({"/conference-events": HOLD, "/status": HOLD})
    provider, client, _ = _two_party_call(env, "together")
    events = env.product.wait_for(
        lambda _: len(env.product.conference_events("together")) == 6, what="all conference events"
    )
    assert events
    # Both participant-leave and conference-end were being answered at the same time,
    # and so were the calls' completed status callbacks.
    assert env.product.max_in_flight["/conference-events"] >= 3
    assert env.product.max_in_flight["*"] >= 4
    numbers = sorted(int(e["SequenceNumber"]) for e in env.product.conference_events("together"))
    assert numbers == [1, 2, 3, 4, 5, 6]
    assert env.product.statuses(client)[-1] == "completed"
    assert env.product.statuses(provider)[-1] == "completed"
    assert {c["delivery"] for c in env.control("GET", "callbacks")} == {"parallel"}


def test_serial_delivery_sends_a_rooms_callbacks_one_at_a_time(env: SimEnv) -> None:
    env.product.delays.update({"/conference-events": HOLD, "/status": HOLD})
    _two_party_call(env, "one-by-one")
    env.product.wait_for(lambda _: len(env.product.conference_events("one-by-one")) == 6)
    assert env.control("GET", "config")["delivery"] == "serial"
    assert env.product.max_in_flight["/conference-events"] == 1
    assert env.product.max_in_flight["*"] <= 3  # one per owner: the room and each call
    numbers = [int(e["SequenceNumber"]) for e in env.product.conference_events("one-by-one")]
    assert numbers == [1, 2, 3, 4, 5, 6]


def test_parallel_callbacks_arrive_in_any_order(env: SimEnv) -> None:
    orders = []
    for seed in range(1, 11):
        env.product.clear()
        env.configure(delivery="parallel", parallel_jitter_seconds=0.2, shuffle_seed=seed)
        call = env.call("+33600000004")  # four status callbacks within a few milliseconds
        env.wait_final(call.sid)
        env.product.wait_for(lambda _: len(env.product.requests_to("/status")) == 4, what="4 statuses")
        order = [r["SequenceNumber"] for r in env.product.requests_to("/status")]
        orders.append(order)
        if order != sorted(order):
            break
    assert any(order != ["0", "1", "2", "3"] for order in orders), orders
    assert all(sorted(order) == ["0", "1", "2", "3"] for order in orders)
    jitters = [c["jitter"] for c in _callbacks(env, "status")]
    assert all(0 <= j <= 0.2 for j in jitters) and len(set(jitters)) == 4


def test_an_http_error_answer_is_not_retried_and_is_logged(env: SimEnv) -> None:
    env.configure(delivery="parallel")
    env.product.overrides["/status"] = (503, "cold start")
    call = env.call("+33600000007")
    data = env.wait_final(call.sid)
    time.sleep(0.3)  # a retry, if any, would arrive meanwhile
    assert len(env.product.requests_to("/status")) == 3
    for callback in data["callbacks"]:
        assert not callback["delivered"]
        assert callback["status_code"] == 503
        assert callback["response_body"] == "cold start"
        assert [(a["status_code"], a["connection_failure"], a["body"]) for a in callback["attempts"]] == [
            (503, False, "cold start")
        ]


def test_a_connection_failure_is_retried_once_with_the_same_token(env: SimEnv) -> None:
    env.configure(connection_retry_seconds=0.2)
    dead = f"http://127.0.0.1:{free_port()}/status"
    call = env.client.calls.create(to="+33600000007", from_=CALLER_ID, twiml="<Response/>", status_callback=dead)
    data = env.wait_final(call.sid)
    (callback,) = data["callbacks"]
    assert not callback["delivered"]
    assert [a["connection_failure"] for a in callback["attempts"]] == [True, True]
    assert all(a["status_code"] is None for a in callback["attempts"])
    assert {n["code"] for n in env.control("GET", "notices")} == {15003}


def test_the_retry_reaches_a_product_that_came_back(env: SimEnv) -> None:
    env.configure(connection_retry_seconds=1.5)
    port = free_port()
    call = env.client.calls.create(
        to="+33600000007",
        from_=CALLER_ID,
        twiml="<Response/>",
        status_callback=f"http://127.0.0.1:{port}/status",
    )
    wait_until(lambda: env.sim_call(call.sid)["status"] == "busy", what="busy")
    time.sleep(0.3)  # the first attempt has failed by now; the retry is 1.5 s after it
    product = ProductApp(port=port).start()
    try:
        data = env.wait_final(call.sid, timeout=10)
        (callback,) = data["callbacks"]
        assert callback["delivered"]
        first, retry = callback["attempts"]
        assert first["connection_failure"] and first["status_code"] is None
        assert retry["status_code"] == 200 and not retry["connection_failure"]
        (received,) = product.requests_to("/status")
        assert received["CallStatus"] == "busy" and received.signature_valid
    finally:
        product.stop()


def test_one_mid_sequence_conference_event_is_dropped_per_room(env: SimEnv) -> None:
    env.configure(drop_conference_sequence=2)
    _, _, events = _two_party_call(env, "gap")
    assert [int(e["SequenceNumber"]) for e in events] == [1, 3, 4, 5, 6]
    assert events[-1]["StatusCallbackEvent"] == "conference-end"
    dropped = [c for c in _callbacks(env, "conference") if c["dropped"]]
    assert [(c["event"], c["params"]["SequenceNumber"]) for c in dropped] == [("conference-start", "2")]
    # status callbacks are untouched
    assert len(env.product.requests_to("/status")) == 8


def test_each_room_loses_its_own_event_but_never_conference_end(env: SimEnv) -> None:
    env.configure(drop_conference_sequence=2)
    first = env.call("+33600000005", conf="gap-a")
    second = env.call("+33600000005", conf="gap-b")
    env.wait_final(first.sid)
    env.wait_final(second.sid)
    for room in ("gap-a", "gap-b"):
        events = env.conference_events(room)
        assert [(e["SequenceNumber"], e["StatusCallbackEvent"]) for e in events] == [
            ("1", "participant-join"),
            ("3", "conference-end"),
        ]
    env.product.clear()
    env.configure(drop_conference_sequence=3)  # the last event of a one-party room
    third = env.call("+33600000005", conf="gap-c")
    env.wait_final(third.sid)
    events = env.conference_events("gap-c")
    assert [e["SequenceNumber"] for e in events] == ["1", "2", "3"]


def test_after_the_conference_starts_every_callback_is_lost(env: SimEnv) -> None:
    env.configure(callbacks="drop_after_conference_start")
    provider, client, sent = _two_party_call(env, "cut", end_sent=False)
    assert [e["StatusCallbackEvent"] for e in sent] == ["participant-join", "conference-start"]
    dropped = [c["event"] for c in _callbacks(env, "conference") if c["dropped"]]
    assert dropped == ["participant-join", "participant-leave", "participant-leave", "conference-end"]
    assert "completed" not in env.product.statuses(provider) + env.product.statuses(client)
    assert [c["event"] for c in _callbacks(env, "status") if c["dropped"]].count("completed") == 2
    # Set again, the mode waits for the next room's start.
    env.product.clear()
    env.configure(callbacks="drop_after_conference_start")
    _, _, sent = _two_party_call(env, "cut-again", end_sent=False)
    assert [e["StatusCallbackEvent"] for e in sent] == ["participant-join", "conference-start"]
