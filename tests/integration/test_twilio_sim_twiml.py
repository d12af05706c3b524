"""TwiML interpretation and live call control (redirects, hang-ups)."""

from __future__ import annotations

from twilio_sim_support import (
    CALLER_ID,
    SimEnv,
    env_fixture,  # noqa: F401
    product_app_fixture,  # noqa: F401
    sim_server_fixture,  # noqa: F401
    wait_until,
)


def _inline(env: SimEnv, to: str, twiml: str) -> str:
    call = env.client.calls.create(
        to=to,
        from_=CALLER_ID,
        twiml=twiml,
        status_callback=env.product.url("/status"),
    )
    return str(call.sid)


def _joined(env: SimEnv, conf: str) -> bool:
    return any(e["StatusCallbackEvent"] == "participant-join" for e in env.product.conference_events(conf))


def test_redirect_a_live_call_with_a_new_url(env: SimEnv) -> None:
    call = env.call("+33600000001", conf="moved")
    env.product.wait_for(lambda _: _joined(env, "moved"), what="join")

    updated = env.client.calls(call.sid).update(url=env.product.url("/redirected"), method="POST")
    assert updated.status == "in-progress"
    data = env.wait_final(call.sid)

    redirected = env.product.requests_to("/redirected", call.sid)
    assert len(redirected) == 1
    assert redirected[0]["CallStatus"] == "in-progress"
    assert data["said"][-1]["text"] == "You were redirected."
    assert data["said"][-1]["language"] == "en-GB"
    leave = env.conference_events("moved", until="participant-leave")[1]
    assert leave["StatusCallbackEvent"] == "participant-leave"
    assert leave["ReasonParticipantLeft"] == "participant_updated_via_api"
    assert leave["ParticipantCallStatus"] == "in-progress"
    assert data["status"] == "completed"


def test_redirect_with_inline_twiml(env: SimEnv) -> None:
    sid = _inline(env, "+33612345678", "<Response><Pause length='600'/></Response>")
    wait_until(lambda: env.client.calls(sid).fetch().status == "in-progress", what="answer")
    env.client.calls(sid).update(twiml="<Response><Say>Replaced</Say><Hangup/></Response>")
    data = env.wait_final(sid)
    assert [s["text"] for s in data["said"]] == ["Replaced"]
    assert any(e["type"] == "redirected" for e in data["events"])


def test_redirect_verb_play_pause_and_hangup(env: SimEnv) -> None:
    twiml = (
        "<Response>"
        "<Play loop='2'>https://example.invalid/jingle.mp3</Play>"
        f"<Redirect method='POST'>{env.product.url('/redirected')}</Redirect>"
        "<Say>never reached</Say>"
        "</Response>"
    )
    sid = _inline(env, "+33612345678", twiml)
    data = env.wait_final(sid)
    kinds = [e["type"] for e in data["events"]]
    assert kinds.count("play") == 1
    assert [s["text"] for s in data["said"]] == ["You were redirected."]
    # 2 x 5 s of audio, the Say (1 s) and a 2 s pause, plus a little latency
    assert 13 <= int(data["duration"]) <= 20


def test_hangup_verb_stops_the_document(env: SimEnv) -> None:
    sid = _inline(env, "+33612345678", "<Response><Hangup/><Say>ignored</Say></Response>")
    data = env.wait_final(sid)
    assert data["said"] == []
    assert data["status"] == "completed"


def test_reject_verb(env: SimEnv) -> None:
    busy = _inline(env, "+33612345678", "<Response><Reject reason='busy'/></Response>")
    rejected = _inline(env, "+33612345679", "<Response><Reject/></Response>")
    assert env.wait_final(busy)["status"] == "busy"
    assert env.wait_final(rejected)["status"] == "no-answer"


def test_gather_without_input_falls_through_or_posts_empty(env: SimEnv) -> None:
    action = env.product.url("/gather", conf="x")
    plain = _inline(
        env,
        "+33600000003",
        f"<Response><Gather action='{action}' timeout='3'/><Say>Next verb</Say></Response>",
    )
    eager = _inline(
        env,
        "+33600000003",
        f"<Response><Gather action='{action}' actionOnEmptyResult='true'/></Response>",
    )
    assert [s["text"] for s in env.wait_final(plain)["said"]] == ["Next verb"]
    env.wait_final(eager)
    posted = env.product.requests_to("/gather", eager)
    assert len(posted) == 1
    assert posted[0]["Digits"] == ""
    assert env.product.requests_to("/gather", plain) == []


def test_gather_finish_on_key_and_num_digits(env: SimEnv) -> None:
    env.configure(personas={"+33677777777": {"digits": ["12#", "98765"]}})
    action = env.product.url("/collect")
    twiml = f"<Response><Gather action='{action}'><Say>Code?</Say></Gather></Response>"
    sid = _inline(env, "+33677777777", twiml)
    env.wait_final(sid)
    first = env.product.requests_to("/collect", sid)
    assert [(r["Digits"], r["FinishedOnKey"]) for r in first] == [("12", "#")]

    env.product.overrides["/collect"] = (
        200,
        f"<Response><Gather numDigits='3' action='{env.product.url('/second')}'/></Response>",
    )
    sid = _inline(env, "+33677777777", twiml)
    env.wait_final(sid)
    assert [r["Digits"] for r in env.product.requests_to("/second", sid)] == ["987"]


def test_unsupported_markup_is_reported(env: SimEnv) -> None:
    twiml = (
        "<Response><Frobnicate/><Dial>+33611111111</Dial>"
        "<Redirect>relative/path</Redirect><Say loop='3' voice='alice'>Done</Say></Response>"
    )
    sid = _inline(env, "+33612345678", twiml)
    data = env.wait_final(sid)
    codes = sorted(n["code"] for n in env.control("GET", "notices"))
    assert codes == [11100, 12200, 13999]
    assert data["said"] == [{"text": "Done", "language": "en-US", "voice": "alice", "origin": "twiml"}]
