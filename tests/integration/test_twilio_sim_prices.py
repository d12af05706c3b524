"""Call prices: negative decimal strings in ``price_unit``, set a few virtual seconds
after a connected call ends; voicemail answers and AMD hang-ups are priced too."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests
from twilio_sim_support import (
    CALLER_ID,
    SimEnv,
    env_fixture,  # noqa: F401
    product_app_fixture,  # noqa: F401
    sim_server_fixture,  # noqa: F401
    wait_until,
)

TALK = "<Response><Say>Hello</Say><Pause length='600'/></Response>"
PRICE = re.compile(r"^-\d+\.\d{5}$")


def _talk_then_hang_up(env: SimEnv, to: str = "+33612345678", **kwargs: Any) -> str:
    call = env.client.calls.create(to=to, from_=CALLER_ID, twiml=TALK, **kwargs)
    wait_until(lambda: env.client.calls(call.sid).fetch().status == "in-progress", what="answer")
    env.client.calls(call.sid).update(status="completed")
    return str(call.sid)


def _priced(env: SimEnv, sid: str) -> Any:
    return wait_until(lambda: (c := env.client.calls(sid).fetch()).price is not None and c, what="a price")


def test_a_connected_call_is_unpriced_right_after_it_ends_by_default(env: SimEnv) -> None:
    assert env.control("GET", "config")["price_delay_seconds"] == 30
    env.configure(speed=60)  # 30 virtual seconds last half a real second
    sid = _talk_then_hang_up(env)
    ended = env.client.calls(sid).fetch()
    assert ended.status == "completed" and ended.price is None and ended.price_unit == "USD"
    priced = _priced(env, sid)
    assert PRICE.match(priced.price) and priced.price == "-0.04500"  # one started minute
    assert priced.price_unit == "USD"


def test_the_price_counts_every_started_minute(env: SimEnv) -> None:
    env.configure(price_delay_seconds=0)
    call = env.call("+33600000005", conf="priced")  # IVR, then 30 s in the room
    data = env.wait_final(call.sid)
    minutes = -(-int(data["duration"]) // 60)
    assert env.client.calls(call.sid).fetch().price == f"-{0.045 * minutes:.5f}"


def test_price_unit_switch_prices_in_another_currency(env: SimEnv) -> None:
    env.configure(price_delay_seconds=0, price_unit="EUR")
    euro = _priced(env, _talk_then_hang_up(env))
    assert (euro.price, euro.price_unit) == ("-0.04150", "EUR")
    env.configure(price_per_minute="0.1200")
    custom = _priced(env, _talk_then_hang_up(env))
    assert (custom.price, custom.price_unit) == ("-0.12000", "EUR")
    env.configure(price_unit="USD", price_per_minute=None)
    # a price is fixed when the call ends, in the currency of that moment
    assert env.client.calls(euro.sid).fetch().price_unit == "EUR"


def test_voicemail_answers_and_amd_hang_ups_are_priced(env: SimEnv) -> None:
    env.configure(price_delay_seconds=0)
    voicemail = env.call("+33600000003", machine_detection="DetectMessageEnd")
    env.wait_final(voicemail.sid)
    assert PRICE.match(env.client.calls(voicemail.sid).fetch().price)
    amd = env.client.calls.create(
        to="+33600000003",
        from_=CALLER_ID,
        url=env.product.url("/hold"),
        machine_detection="Enable",
        async_amd="true",
        async_amd_status_callback=env.product.url("/amd"),
    )
    env.product.wait_for(lambda _: bool(env.product.requests_to("/amd")), what="AMD verdict")
    env.client.calls(amd.sid).update(status="completed")  # the product hangs up on a machine
    hung_up = env.client.calls(amd.sid).fetch()
    assert hung_up.price == "-0.04500"  # connected: at least one minute


def test_calls_that_never_connected_have_no_price(env: SimEnv) -> None:
    env.configure(price_delay_seconds=0)
    busy = env.call("+33600000007")
    env.wait_final(busy.sid)
    fetched = env.client.calls(busy.sid).fetch()
    assert fetched.price is None and fetched.price_unit == "USD"


@pytest.mark.parametrize(
    "bad",
    [{"price_unit": "eur"}, {"price_unit": "JPY"}, {"price_per_minute": "-1"}, {"price_per_minute": "lots"}],
)
def test_invalid_price_settings_are_refused(env: SimEnv, bad: dict[str, Any]) -> None:
    assert requests.post(f"{env.sim.base_url}/_sim/config", json=bad, timeout=5).status_code == 400
    assert env.configure(price_unit="JPY", price_per_minute="6")["price_unit"] == "JPY"
