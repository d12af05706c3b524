"""What the HTTP APIs reach of the simulator (the `Simulator` has them all): they depend on this
shape, not on the module that wires them, so no API module imports `simulator`."""

from __future__ import annotations

from typing import Protocol

from devtools.wise_sim.clock import VirtualClock
from devtools.wise_sim.faults import Faults
from devtools.wise_sim.ledger import Ledger
from devtools.wise_sim.lifecycle import Lifecycle
from devtools.wise_sim.signing import Signer
from devtools.wise_sim.webhooks import Webhooks, WebhookSettings


class SimulatorParts(Protocol):
    api_token: str
    clock: VirtualClock
    faults: Faults
    signer: Signer
    webhook_settings: WebhookSettings
    webhooks: Webhooks
    ledger: Ledger
    lifecycle: Lifecycle

    async def reset(self) -> None: ...
