"""AMD mistakes: the misdetected persona is a person labelled ``machine_start`` who
still presses 1 within the gather window."""

from __future__ import annotations

from twilio_sim_support import (
    SimEnv,
    env_fixture,  # noqa: F401
    product_app_fixture,  # noqa: F401
    sim_server_fixture,  # noqa: F401
)

MISDETECTED = "+33600000008"


def _joined(env: SimEnv, conf: str) -> bool:
    return any(e["StatusCallbackEvent"] == "participant-join" for e in env.product.conference_events(conf))


def _end_room(env: SimEnv, conf: str, call_sid: str) -> None:
    (room,) = env.client.conferences.list(friendly_name=conf)
    env.client.conferences(room.sid).update(status="completed")
    env.wait_final(call_sid)


def test_async_amd_says_machine_then_the_person_presses_one(env: SimEnv) -> None:
    env.configure(speed=60)  # the verdict and the key press are 2 virtual seconds apart
    call = env.call(
        MISDETECTED,
        conf="misdetected",
        machine_detection="Enable",
        async_amd="true",
        async_amd_status_callback=env.product.url("/amd"),
    )
    env.product.wait_for(lambda _: _joined(env, "misdetected"), what="the person joins")
    (amd,) = env.product.requests_to("/amd", call.sid)
    (gather,) = env.product.requests_to("/gather", call.sid)
    assert amd["AnsweredBy"] == "machine_start"
    assert amd["MachineDetectionDuration"] == "1500"
    assert gather["Digits"] == "1"
    assert gather["AnsweredBy"] == "machine_start"
    assert amd.arrived < gather.arrived  # the verdict came first, the key press within the gather
    data = env.sim_call(call.sid)
    assert data["persona"]["answered_by"] == "human"
    assert data["persona"]["amd_reports"] == "machine_start"
    assert data["answered_by"] == "machine_start"
    _end_room(env, "misdetected", call.sid)


def test_sync_amd_reports_machine_start_whatever_the_mode(env: SimEnv) -> None:
    call = env.call(MISDETECTED, conf="misdetected-sync", machine_detection="DetectMessageEnd")
    env.product.wait_for(lambda _: _joined(env, "misdetected-sync"), what="the person joins")
    (voice,) = env.product.requests_to("/voice", call.sid)
    assert voice["AnsweredBy"] == "machine_start"
    assert voice["MachineDetectionDuration"] == "1500"
    assert [g["Digits"] for g in env.product.requests_to("/gather", call.sid)] == ["1"]
    _end_room(env, "misdetected-sync", call.sid)


def test_the_persona_is_listed_and_can_be_tuned(env: SimEnv) -> None:
    persona = env.control("GET", "personas")[MISDETECTED]
    assert (persona["name"], persona["answered_by"], persona["amd_reports"]) == (
        "misdetected-human",
        "human",
        "machine_start",
    )
    env.configure(personas={"+33612345670": {"amd_reports": "machine_end_beep", "digits": "1"}})
    call = env.call("+33612345670", conf="tuned", machine_detection="Enable")
    env.wait_final(call.sid)
    assert env.product.requests_to("/voice", call.sid)[0]["AnsweredBy"] == "machine_end_beep"
    assert [g["Digits"] for g in env.product.requests_to("/gather", call.sid)] == ["1"]
