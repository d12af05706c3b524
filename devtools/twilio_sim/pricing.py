"""Call prices as Twilio reports them: a negative decimal string in ``price_unit``,
set shortly after a call that connected has ended."""

from __future__ import annotations

import math
from decimal import Decimal

from devtools.twilio_sim.faults import RATES, SimConfig
from devtools.twilio_sim.models import Call


def settle_price(call: Call, config: SimConfig) -> None:
    """Fix the price of a call that has just ended, in the currency configured now.

    A call that connected (answered, even by a voicemail or hung up after AMD) costs
    every started minute, at least one; a call that never connected has no price."""
    call.price_unit = config.price_unit
    if call.answered_at is None:
        return
    rate = Decimal(config.price_per_minute) if config.price_per_minute is not None else RATES[config.price_unit]
    minutes = max(1, math.ceil(call.duration / 60))
    call.price = f"{-(rate * minutes):.5f}"


def visible_price(call: Call, now: float, delay: float) -> str | None:
    """``price`` as the REST API shows it ``now``: null until ``delay`` after the end."""
    if call.price is None or call.ended_at is None or now < call.ended_at + delay:
        return None
    return call.price
