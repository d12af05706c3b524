"""Building blocks of the simulator: clock, personas, config, TwiML parser."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
import twilio_sim_support  # noqa: F401  (puts the repo root on sys.path)

from devtools.twilio_sim.__main__ import parse_args
from devtools.twilio_sim.clock import VirtualClock, rfc2822
from devtools.twilio_sim.faults import ConfigError, SimConfig
from devtools.twilio_sim.personas import BUILTIN, DEFAULT, PersonaBook, PersonaError
from devtools.twilio_sim.twiml import TwimlError, parse


def test_clock_timers_fire_in_virtual_order() -> None:
    async def scenario() -> tuple[list[str], float]:
        clock = VirtualClock(speed=1000)
        order: list[str] = []

        async def wait(name: str, seconds: float) -> None:
            await clock.sleep(seconds)
            order.append(name)

        start = clock.now()
        await asyncio.gather(wait("c", 30), wait("a", 10), wait("b", 10), wait("d", 0))
        elapsed = clock.now() - start
        await clock.stop()
        return order, elapsed

    order, elapsed = asyncio.run(scenario())
    assert order == ["d", "a", "b", "c"]
    assert 30 <= elapsed < 45


def test_clock_speed_change_keeps_virtual_time_continuous() -> None:
    async def scenario() -> tuple[float, float, float]:
        clock = VirtualClock(speed=10)
        before = clock.now()
        clock.set_speed(100000)
        after = clock.now()
        await clock.sleep(500)  # 5 ms of real time at the new speed
        done = clock.now()
        await clock.stop()
        return before, after, done

    before, after, done = asyncio.run(scenario())
    assert 0 <= after - before < 1
    assert done - after >= 500


def test_clock_formats_rfc2822() -> None:
    epoch = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    clock = VirtualClock(speed=60, epoch=epoch)
    assert clock.timestamp(3600) == "Wed, 02 Jan 2030 04:04:05 +0000"
    assert rfc2822(epoch) == "Wed, 02 Jan 2030 03:04:05 +0000"
    with pytest.raises(ValueError):
        VirtualClock(speed=0)


def test_persona_book_overrides() -> None:
    book = PersonaBook()
    assert book.lookup("+33600000002").outcome == "no-answer"
    assert book.lookup("+33699999999") == DEFAULT
    book.override("+33600000002", {"outcome": "busy"})
    assert book.lookup("+33600000002").outcome == "busy"
    assert book.lookup("+33600000002").ring_seconds == BUILTIN["+33600000002"].ring_seconds
    book.override("*", {"talk_seconds": 10})
    assert book.lookup("+33699999999").talk_seconds == 10
    book.override("+33600000002", None)
    assert book.lookup("+33600000002").outcome == "no-answer"
    with pytest.raises(PersonaError):
        book.override("+1", {"answered_by": "robot"})
    with pytest.raises(PersonaError):
        book.override("+1", {"talk_seconds": -1})
    assert DEFAULT.updated({"digits": ["1", "2"]}).digits_for(5) == "2"
    assert DEFAULT.updated({"digits": []}).digits_for(0) is None


def test_config_validation_and_counted_faults() -> None:
    config = SimConfig()
    config.update({"rest_fault": "error500", "rest_fault_count": 2})
    assert [config.take_rest_fault() for _ in range(3)] == ["error500", "error500", "none"]
    with pytest.raises(ConfigError):
        config.update({"callbacks": "drop", "speed_of_light": 1})
    assert config.callbacks == "normal"  # nothing applied on error
    with pytest.raises(ConfigError):
        config.update({"conference_start_min_participants": 0})


def test_twiml_parser() -> None:
    verbs = parse(
        '<?xml version="1.0"?><Response><Gather numDigits="1"><Say language="fr-FR">'
        "Bonjour</Say></Gather><Dial><Conference beep='false'>room</Conference></Dial>"
        "</Response>"
    )
    assert [v.name for v in verbs] == ["Gather", "Dial"]
    assert verbs[0].children[0].text == "Bonjour"
    assert verbs[1].children[0].attrs == {"beep": "false"}
    assert parse("<Response/>") == []
    for bad in ("", "<Response>", "<Say>hi</Say>", "not xml"):
        with pytest.raises(TwimlError):
            parse(bad)


def test_cli_defaults() -> None:
    args = parse_args([])
    assert (args.port, args.account_sid, args.auth_token, args.speed) == (
        8430,
        "AC00000000000000000000000000000000",
        "local-twilio-auth-token",
        60.0,
    )
    assert parse_args(["--speed", "120", "--port", "9000"]).speed == 120.0


def test_strictness_defaults_and_their_validation() -> None:
    config = SimConfig()
    assert (config.delivery, config.callbacks, config.drop_conference_sequence) == ("serial", "normal", None)
    assert (config.signing, config.price_unit, config.price_delay_seconds) == ("auth_token", "USD", 30.0)
    assert (config.webhook_connect_timeout, config.connection_retry_seconds) == (5.0, 1.0)
    config.update({"delivery": "parallel", "drop_conference_sequence": 4, "price_per_minute": "0.05"})
    assert (config.delivery, config.drop_conference_sequence, config.price_per_minute) == ("parallel", 4, "0.05")
    for bad in (
        {"delivery": "burst"},
        {"drop_conference_sequence": 0},
        {"drop_conference_sequence": True},
        {"connection_retry_seconds": 16},
        {"webhook_connect_timeout": -1},
        {"parallel_jitter_seconds": "0.1"},
        {"call_errors": {"+33612345678": 20500}},
    ):
        with pytest.raises(ConfigError):
            config.update(bad)
    assert config.delivery == "parallel" and config.call_errors == {}
