"""Wires the simulator together and builds its aiohttp application."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from devtools.twilio_sim.carrier import Carrier
from devtools.twilio_sim.clock import VirtualClock
from devtools.twilio_sim.control_api import ControlApi
from devtools.twilio_sim.faults import SimConfig
from devtools.twilio_sim.messaging import MessageCenter
from devtools.twilio_sim.personas import PersonaBook
from devtools.twilio_sim.resources import Renderer
from devtools.twilio_sim.rest_api import RestApi
from devtools.twilio_sim.signing import Signer
from devtools.twilio_sim.webhooks import Notices, Webhooks

DEFAULT_ACCOUNT_SID = "AC00000000000000000000000000000000"
DEFAULT_AUTH_TOKEN = "local-twilio-auth-token"
DEFAULT_PORT = 8430
DEFAULT_SPEED = 60.0


class Simulator:
    """One simulated Twilio account: REST API, carrier and control API."""

    def __init__(
        self,
        account_sid: str = DEFAULT_ACCOUNT_SID,
        auth_token: str = DEFAULT_AUTH_TOKEN,
        speed: float = DEFAULT_SPEED,
        epoch: datetime | None = None,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.initial_speed = speed
        self.clock = VirtualClock(speed, epoch)
        self.config = SimConfig()
        self.personas = PersonaBook()
        self.notices = Notices()
        self.webhooks = Webhooks(self.config, Signer(self.config, auth_token), self.notices, self.clock)
        self.carrier = Carrier(
            self.clock,
            self.config,
            self.personas,
            self.webhooks,
            self.notices,
            account_sid,
        )
        self.messages = MessageCenter(self.clock, self.webhooks, account_sid)
        self.renderer = Renderer(self.clock, self.config)
        #: every ``POST Calls.json`` answered with an error: to, from, status, error JSON
        self.refused_calls: list[dict[str, Any]] = []

    def make_app(self) -> web.Application:
        rest = RestApi(self)
        app = web.Application(middlewares=[rest.middleware])
        app.add_routes(rest.routes())
        app.add_routes(ControlApi(self).routes())
        app.on_startup.append(self._on_startup)
        app.on_cleanup.append(self._on_cleanup)
        return app

    async def _on_startup(self, app: web.Application) -> None:
        self.clock.start()

    async def _on_cleanup(self, app: web.Application) -> None:
        await self.carrier.reset()
        await self.messages.reset()
        await self.webhooks.close()
        await self.clock.stop()

    async def reset(self) -> None:
        """Forget all calls, conferences, messages, callbacks and notices;
        restore default fault switches, personas and the start-up speed."""
        await self.carrier.reset()
        await self.messages.reset()
        await self.webhooks.reset()
        self.notices.items.clear()
        self.refused_calls.clear()
        self.config.update(SimConfig().to_json())
        self.personas.clear()
        if self.clock.speed != self.initial_speed:
            self.clock.set_speed(self.initial_speed)
