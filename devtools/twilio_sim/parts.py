"""What the HTTP APIs reach of the simulator (the `Simulator` has them all): they depend on this
shape, not on the module that wires them, so no API module imports `simulator`."""

from __future__ import annotations

from typing import Any, Protocol

from devtools.twilio_sim.carrier import Carrier
from devtools.twilio_sim.clock import VirtualClock
from devtools.twilio_sim.faults import SimConfig
from devtools.twilio_sim.messaging import MessageCenter
from devtools.twilio_sim.personas import PersonaBook
from devtools.twilio_sim.resources import Renderer
from devtools.twilio_sim.webhooks import Notices, Webhooks


class SimulatorParts(Protocol):
    account_sid: str
    auth_token: str
    clock: VirtualClock
    config: SimConfig
    personas: PersonaBook
    notices: Notices
    webhooks: Webhooks
    carrier: Carrier
    messages: MessageCenter
    renderer: Renderer
    refused_calls: list[dict[str, Any]]

    async def reset(self) -> None: ...
