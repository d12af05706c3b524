"""Wires the simulator together and builds its aiohttp application."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from devtools.paypal_sim.clock import Timeline, VirtualClock
from devtools.paypal_sim.control_api import ControlApi
from devtools.paypal_sim.events import EventBook
from devtools.paypal_sim.faults import Faults, Holds
from devtools.paypal_sim.ledger import Ledger
from devtools.paypal_sim.lifecycle import Lifecycle
from devtools.paypal_sim.models import Renderer
from devtools.paypal_sim.notifications_api import NotificationsApi
from devtools.paypal_sim.oauth import TokenIssuer
from devtools.paypal_sim.rest_api import RestApi
from devtools.paypal_sim.signing import WebhookSigner
from devtools.paypal_sim.webhooks import WebhookSender

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8450
DEFAULT_CLIENT_ID = "local-paypal-client-id"
DEFAULT_CLIENT_SECRET = "local-paypal-secret"
DEFAULT_WEBHOOK_ID = "WH-LOCAL-SOS-EXPAT"
DEFAULT_WEBHOOK_URL = ""
#: a 15,000-item batch is a few MB of JSON
MAX_BODY_BYTES = 32 * 1024 * 1024


class Simulator:
    """One simulated PayPal REST app with Payouts, its webhook, and the control API."""

    def __init__(
        self,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        webhook_id: str = DEFAULT_WEBHOOK_ID,
        webhook_url: str = DEFAULT_WEBHOOK_URL,
        public_url: str | None = None,
        epoch: datetime | None = None,
    ) -> None:
        #: where the simulator is reached (links, PAYPAL-CERT-URL); learnt from the
        #: first request when not given
        self.public_url = public_url
        self.initial_webhook_url = webhook_url
        self.clock = VirtualClock(epoch)
        self.timeline = Timeline(self.clock)
        self.tokens = TokenIssuer(self.clock, client_id, client_secret)
        self.faults = Faults()
        self.holds = Holds()
        self.signer = WebhookSigner()
        self.webhooks = WebhookSender(self.clock, self.timeline, self.signer, webhook_id, webhook_url, self.base_url)
        self.events = EventBook(self.clock, self.webhooks, self.base_url)
        self.ledger = Ledger(self.clock)
        self.renderer = Renderer(self.clock)
        self.lifecycle = Lifecycle(self.clock, self.timeline, self.events, self.renderer, self.base_url)

    def base_url(self) -> str:
        return self.public_url or f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"

    def learn_base_url(self, request: web.Request) -> None:
        if self.public_url is None:
            self.public_url = f"{request.scheme}://{request.host}"

    def make_app(self) -> web.Application:
        rest = RestApi(self)
        app = web.Application(middlewares=[rest.middleware], client_max_size=MAX_BODY_BYTES)
        app.add_routes(rest.routes())
        app.add_routes(NotificationsApi(self).routes())
        app.add_routes(ControlApi(self).routes())
        app.on_shutdown.append(self._on_shutdown)
        app.on_cleanup.append(self._on_cleanup)
        return app

    async def _on_shutdown(self, app: web.Application) -> None:
        self.holds.release_all()

    async def _on_cleanup(self, app: web.Application) -> None:
        await self.webhooks.close()

    async def reset(self) -> None:
        """Forget every token, payout, event and delivery; clear the faults, restore the
        start-up webhook URL and put the virtual clock back to its epoch."""
        self.holds.release_all()
        self.timeline.clear()
        self.clock.reset()
        self.tokens.reset()
        self.faults.update(Faults().to_json())
        self.ledger.reset()
        self.events.reset()
        self.webhooks.reset(self.initial_webhook_url)
