"""What the HTTP APIs reach of the simulator (the `Simulator` has them all): they depend on this
shape, not on the module that wires them, so no API module imports `simulator`."""

from __future__ import annotations

from typing import Protocol

from devtools.telegram_sim.delivery import Delivery, DeliveryPolicy, Dispatcher
from devtools.telegram_sim.faults import FaultSwitch
from devtools.telegram_sim.models import BotIdentity, Update
from devtools.telegram_sim.outbox import Outbox
from devtools.telegram_sim.users import UserDirectory
from devtools.telegram_sim.webhook import WebhookSettings


class SimulatorParts(Protocol):
    bot: BotIdentity
    policy: DeliveryPolicy
    users: UserDirectory
    outbox: Outbox
    faults: FaultSwitch
    webhook: WebhookSettings
    allowed_updates: frozenset[str]
    updates: dict[int, Update]
    dispatcher: Dispatcher

    def emit(self, kind: str, body: dict[str, object]) -> tuple[Update, Delivery] | None: ...

    async def reset(self) -> None: ...
