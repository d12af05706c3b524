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

from shared.calls.adapters.twilio_telephony import TwilioTelephony

TALK = "<Response><Say>Hello</Say><Pause length='600'/></Response>"


def test_call_prices(env: SimEnv) -> None:
    telephony = TwilioTelephony(ACCOUNT_SID, AUTH_TOKEN, "+33100000000", api_base=env.sim.base_url)
    env.configure(price_delay_seconds=3600)
    unanswered = env.client.calls.create(to="+33600000002", from_="+33100000000", twiml=TALK, timeout=5)
    env.wait_final(unanswered.sid, callback=False)
    free = telephony.call_cost(unanswered.sid)
    assert free is not None and free.micros == 0

    talked = env.client.calls.create(to="+33612345678", from_="+33100000000", twiml=TALK)
    wait_until(lambda: env.client.calls(talked.sid).fetch().status == "in-progress", what="answer")
    env.client.calls(talked.sid).update(status="completed")
    assert telephony.call_cost(talked.sid) is None  # not priced yet
    env.configure(price_delay_seconds=0)
    cost = telephony.call_cost(talked.sid)
    assert cost is not None and cost.currency == "usd" and cost.micros >= 45_000  # a started minute, 0.045 USD


def test_call_prices_are_read_in_their_price_unit(env: SimEnv) -> None:
    telephony = TwilioTelephony(ACCOUNT_SID, AUTH_TOKEN, "+33100000000", api_base=env.sim.base_url)
    env.configure(price_delay_seconds=0, price_unit="EUR", price_per_minute=0.05)
    talked = env.client.calls.create(to="+33612345678", from_="+33100000000", twiml=TALK)
    wait_until(lambda: env.client.calls(talked.sid).fetch().status == "in-progress", what="answer")
    env.client.calls(talked.sid).update(status="completed")
    wait_until(lambda: telephony.call_cost(talked.sid) is not None, what="the price")
    cost = telephony.call_cost(talked.sid)
    assert cost is not None and (cost.currency, cost.micros) == ("eur", 50_000)


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
