"""Wires the simulator together and builds its aiohttp application."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from devtools.wise_sim.clock import VirtualClock
from devtools.wise_sim.control_api import ControlApi
from devtools.wise_sim.faults import Faults
from devtools.wise_sim.ledger import Ledger
from devtools.wise_sim.lifecycle import Lifecycle
from devtools.wise_sim.rest_api import RestApi
from devtools.wise_sim.signing import Signer
from devtools.wise_sim.webhooks import Webhooks, WebhookSettings

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8460
DEFAULT_API_TOKEN = "local-wise-api-token"
DEFAULT_PROFILE_ID = 1001
DEFAULT_WEBHOOK_URL = ""
USER_ID = 5_000_001  # the one user owning the business profile


class Simulator:
    """One simulated Wise business account: the API, its payouts' lifecycle and the control API."""

    def __init__(
        self,
        api_token: str = DEFAULT_API_TOKEN,
        profile_id: int = DEFAULT_PROFILE_ID,
        webhook_url: str | None = DEFAULT_WEBHOOK_URL,
        epoch: datetime | None = None,
        signer: Signer | None = None,
    ) -> None:
        self.api_token = api_token
        self.initial_webhook_url = webhook_url or None
        self.clock = VirtualClock(epoch)
        self.faults = Faults()
        self.signer = signer or Signer()
        self.webhook_settings = WebhookSettings(url=self.initial_webhook_url)
        self.webhooks = Webhooks(self.clock, self.signer, self.webhook_settings)
        self.ledger = Ledger(profile_id, USER_ID)
        self.lifecycle = Lifecycle(self.ledger, self.clock, self.faults, self.webhooks)

    def make_app(self) -> web.Application:
        rest = RestApi(self)
        app = web.Application(middlewares=[rest.middleware])
        app.add_routes(rest.routes())
        app.add_routes(ControlApi(self).routes())
        app.on_cleanup.append(self._on_cleanup)
        return app

    async def _on_cleanup(self, app: web.Application) -> None:
        await self.webhooks.close()

    async def reset(self) -> None:
        """Forget every quote, recipient, transfer and delivery; restore the balances, the
        faults, the start-up webhook URL and retry settings, and the clock. The signing key
        and the webhook subscription id stay."""
        await self.webhooks.reset()
        self.clock.reset()
        self.ledger.reset()
        self.faults.update(Faults().to_json())
        defaults = WebhookSettings(url=self.initial_webhook_url)
        settings = self.webhook_settings
        settings.url, settings.max_attempts = defaults.url, defaults.max_attempts
        settings.backoff_seconds, settings.timeout_seconds = defaults.backoff_seconds, defaults.timeout_seconds
