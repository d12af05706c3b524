"""The Twilio adapter's call prices against the carrier simulator: a call that never connected
costs nothing, a connected one is unknown (None) until Twilio prices it."""

from __future__ import annotations

from twilio_sim_support import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    SimEnv,
    env_fixture,  # noqa: F401
    product_app_fixture,  # noqa: F401
    sim_server_fixture,  # noqa: F401
    wait_until,
)

from shared.adapters.twilio_telephony import TwilioTelephony

TALK = "<Response><Say>Hello</Say><Pause length='600'/></Response>"


def test_call_prices(env: SimEnv) -> None:
    telephony = TwilioTelephony(ACCOUNT_SID, AUTH_TOKEN, "+33100000000", api_base=env.sim.base_url)
    env.configure(price_delay_seconds=3600)
    unanswered = env.client.calls.create(to="+33600000002", from_="+33100000000", twiml=TALK, timeout=5)
    env.wait_final(unanswered.sid, callback=False)
    assert telephony.call_cost_micros(unanswered.sid) == 0

    talked = env.client.calls.create(to="+33612345678", from_="+33100000000", twiml=TALK)
    wait_until(lambda: env.client.calls(talked.sid).fetch().status == "in-progress", what="answer")
    env.client.calls(talked.sid).update(status="completed")
    assert telephony.call_cost_micros(talked.sid) is None  # not priced yet
    env.configure(price_delay_seconds=0)
    cost = telephony.call_cost_micros(talked.sid)
    assert cost is not None and cost >= 45_000  # at least one started minute at 0.045 USD


def test_call_records_state_status_and_times(env: SimEnv) -> None:
    telephony = TwilioTelephony(ACCOUNT_SID, AUTH_TOKEN, "+33100000000", api_base=env.sim.base_url)
    talked = env.client.calls.create(to="+33612345678", from_="+33100000000", twiml=TALK)
    wait_until(lambda: env.client.calls(talked.sid).fetch().status == "in-progress", what="answer")
    live = telephony.call_record(talked.sid)
    assert live.status == "in-progress" and not live.final
    assert live.started_at is not None and live.ended_at is None
    telephony.hang_up(talked.sid)
    wait_until(lambda: telephony.call_record(talked.sid).final, what="hang-up")
    ended = telephony.call_record(talked.sid)
    assert ended.status == "completed" and ended.ended_at is not None and ended.ended_at >= live.started_at
