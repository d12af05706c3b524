"""What the HTTP APIs reach of the simulator (the `Simulator` has them all): they depend on this
shape, not on the module that wires them, so no API module imports `simulator`."""

from __future__ import annotations

from typing import Protocol

from aiohttp import web

from devtools.paypal_sim.clock import Timeline, VirtualClock
from devtools.paypal_sim.events import EventBook
from devtools.paypal_sim.faults import Faults, Holds
from devtools.paypal_sim.ledger import Ledger
from devtools.paypal_sim.lifecycle import Lifecycle
from devtools.paypal_sim.models import Renderer
from devtools.paypal_sim.oauth import TokenIssuer
from devtools.paypal_sim.signing import WebhookSigner
from devtools.paypal_sim.webhooks import WebhookSender


class SimulatorParts(Protocol):
    public_url: str | None
    clock: VirtualClock
    timeline: Timeline
    tokens: TokenIssuer
    faults: Faults
    holds: Holds
    signer: WebhookSigner
    webhooks: WebhookSender
    events: EventBook
    ledger: Ledger
    renderer: Renderer
    lifecycle: Lifecycle

    def base_url(self) -> str: ...

    def learn_base_url(self, request: web.Request) -> None: ...

    async def reset(self) -> None: ...
