"""Conference lifecycle with two parties, REST control of participants."""

from __future__ import annotations

from twilio_sim_support import (
    SCHEDULING_SLACK,
    ProductApp,
    Received,
    SimEnv,
    env_fixture,  # noqa: F401
    product_app_fixture,  # noqa: F401
    rfc2822_seconds,
    sim_server_fixture,  # noqa: F401
    wait_until,
)


def _joined(product: ProductApp, conf: str, count: int) -> bool:
    events = product.conference_events(conf)
    return bool(sum(e["StatusCallbackEvent"] == "participant-join" for e in events) >= count)


def _two_party_call(env: SimEnv, conf: str) -> tuple[str, str, list[Received]]:
    """Provider (stays) joins first; client hangs up after 30 s and ends the room."""
    provider = env.call("+33600000001", conf=conf, leg="provider")
    env.product.wait_for(lambda _: _joined(env.product, conf, 1), what="provider join")
    client = env.call("+33600000005", conf=conf, leg="client", voice_query={"end": "true"})
    env.wait_final(client.sid)
    env.wait_final(provider.sid)
    return provider.sid, client.sid, env.conference_events(conf)


def test_two_party_conference_lifecycle(env: SimEnv) -> None:
    provider, client, events = _two_party_call(env, "duo")

    assert [(e["StatusCallbackEvent"], e.params.get("CallSid")) for e in events] == [
        ("participant-join", provider),
        ("conference-start", None),  # Twilio starts a room at two parties
        ("participant-join", client),
        ("participant-leave", client),
        ("participant-leave", provider),
        ("conference-end", None),
    ]
    numbers = [int(e["SequenceNumber"]) for e in events]
    assert numbers == sorted(numbers)
    assert len(set(numbers)) == len(numbers)
    stamps = [rfc2822_seconds(e["Timestamp"]) for e in events]
    assert stamps == sorted(stamps)
    # virtual time: the client talked 30 s although the test took far less (at 600x a busy
    # machine's scheduling delay shows as a few extra virtual seconds)
    assert 29 <= stamps[3] - stamps[2] <= 45
    conference_sids = {e["ConferenceSid"] for e in events}
    assert len(conference_sids) == 1
    (conference_sid,) = conference_sids
    assert conference_sid.startswith("CF")
    assert len(conference_sid) == 34
    assert {e["FriendlyName"] for e in events} == {"duo"}
    assert {e["AccountSid"] for e in events} == {env.client.username}
    join_client = events[2]
    assert join_client["EndConferenceOnExit"] == "true"
    assert join_client["StartConferenceOnEnter"] == "true"
    assert join_client["Muted"] == "false"
    assert join_client["Hold"] == "false"
    assert events[0]["EndConferenceOnExit"] == "false"
    end = events[-1]
    assert end["ReasonConferenceEnded"] == "participant-with-end-conference-on-exit-left"
    assert end["CallSidEndingConference"] == client
    assert events[4]["ReasonParticipantLeft"] == "conference_ended"
    assert all(e.signature_valid for e in events)

    # the provider's call completed because the conference ended
    assert env.product.statuses(provider)[-1] == "completed"
    conference = env.client.conferences(conference_sid).fetch()
    assert conference.status == "completed"
    assert conference.reason_conference_ended == "participant-with-end-conference-on-exit-left"
    assert conference.call_sid_ending_conference == client


def test_conference_can_start_with_one_party_when_configured(env: SimEnv) -> None:
    env.configure(conference_start_min_participants=1)
    _, _, events = _two_party_call(env, "solo-start")
    assert [e["StatusCallbackEvent"] for e in events] == [
        "conference-start",
        "participant-join",
        "participant-join",
        "participant-leave",
        "participant-leave",
        "conference-end",
    ]
    assert [int(e["SequenceNumber"]) for e in events] == [1, 2, 3, 4, 5, 6]


def test_participants_listed_muted_and_kicked_through_rest(env: SimEnv) -> None:
    first = env.call("+33600000001", conf="ops")
    second = env.call("+33600000001", conf="ops", leg="client")
    env.product.wait_for(lambda _: _joined(env.product, "ops", 2), what="two joins")

    (conference,) = env.client.conferences.list(friendly_name="ops", status="in-progress")
    participants = env.client.conferences(conference.sid).participants.list()
    assert {p.call_sid for p in participants} == {first.sid, second.sid}
    fetched = env.client.conferences(conference.sid).participants(first.sid).fetch()
    assert fetched.conference_sid == conference.sid
    assert fetched.muted is False

    updated = env.client.conferences(conference.sid).participants(first.sid).update(muted=True)
    assert updated.muted is True

    assert env.client.conferences(conference.sid).participants(second.sid).delete() is True
    env.wait_final(second.sid)  # nothing after <Dial>: the call ends
    remaining = env.client.conferences(conference.sid).participants.list()
    assert [p.call_sid for p in remaining] == [first.sid]
    events = env.conference_events("ops", until="participant-leave")
    leave = [e for e in events if e["StatusCallbackEvent"] == "participant-leave"]
    assert leave[0]["CallSid"] == second.sid
    assert leave[0]["ReasonParticipantLeft"] == "participant_kicked"

    env.client.conferences(conference.sid).update(status="completed")
    env.wait_final(first.sid)
    assert env.client.conferences(conference.sid).fetch().status == "completed"
    assert env.client.conferences(conference.sid).participants.list() == []


def test_dial_action_runs_after_the_conference(env: SimEnv) -> None:
    call = env.call(
        "+33600000001",
        conf="with-action",
        voice_query={"dial_action": env.product.url("/after-dial")},
    )
    env.product.wait_for(lambda _: _joined(env.product, "with-action", 1), what="join")
    (conference,) = env.client.conferences.list(friendly_name="with-action")
    env.client.conferences(conference.sid).update(status="completed")
    data = env.wait_final(call.sid)
    after = env.product.requests_to("/after-dial", call.sid)
    assert len(after) == 1
    assert after[0]["DialCallStatus"] == "completed"
    assert after[0]["CallStatus"] == "in-progress"
    assert data["said"][-1]["text"] == "The conference is over."


def test_dial_action_is_requested_when_the_callee_hangs_up(env: SimEnv) -> None:
    call = env.call(
        "+33600000005",
        conf="hangup-action",
        voice_query={"dial_action": env.product.url("/after-dial")},
    )
    env.wait_final(call.sid)
    after = env.product.wait_for(lambda _: bool(env.product.requests_to("/after-dial", call.sid)), what="action")
    (request,) = [r for r in after if r.path == "/after-dial"]
    assert request["CallStatus"] == "completed"
    assert 29 <= int(request["DialCallDuration"]) <= 45
    said = [s["text"] for s in env.sim_call(call.sid)["said"]]
    assert "The conference is over." not in said  # TwiML of a dead call is ignored


def test_hang_up_in_conference_via_rest(env: SimEnv) -> None:
    call = env.call("+33600000001", conf="hangup")
    env.product.wait_for(lambda _: _joined(env.product, "hangup", 1), what="join")
    updated = env.client.calls(call.sid).update(status="completed")
    assert updated.status == "completed"
    env.wait_final(call.sid)
    kinds = [e["StatusCallbackEvent"] for e in env.conference_events("hangup")]
    assert kinds == ["participant-join", "participant-leave", "conference-end"]
    assert env.product.statuses(call.sid)[-1] == "completed"
    sim = wait_until(lambda: env.control("GET", "conferences"), what="conferences")
    assert sim[0]["status"] == "completed"
    assert sim[0]["all_call_sids"] == [call.sid]


def test_dial_time_limit_takes_the_party_out(env: SimEnv) -> None:
    call = env.call("+33600000001", conf="limited", voice_query={"time_limit": "45"})
    data = env.wait_final(call.sid)
    events = env.conference_events("limited")
    join, leave = events[0], events[1]
    assert leave["ReasonParticipantLeft"] == "time_limit_exceeded"
    assert 44 <= rfc2822_seconds(leave["Timestamp"]) - rfc2822_seconds(join["Timestamp"]) <= 45 + SCHEDULING_SLACK
    assert data["status"] == "completed"
