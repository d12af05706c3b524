"""Wires the simulator together and builds its aiohttp application."""

from __future__ import annotations

from aiohttp import web

from devtools.sim_kit.control import control_error
from devtools.telegram_sim.bot_api import BotApi
from devtools.telegram_sim.control_api import PREFIX, ControlApi
from devtools.telegram_sim.delivery import Delivery, DeliveryPolicy, Dispatcher
from devtools.telegram_sim.faults import FaultSwitch
from devtools.telegram_sim.models import DEFAULT_UPDATE_TYPES, BotIdentity, Update
from devtools.telegram_sim.outbox import Outbox
from devtools.telegram_sim.users import UserDirectory
from devtools.telegram_sim.webhook import WebhookSettings

DEFAULT_PORT = 8440
DEFAULT_TOKEN = "123456:local-telegram-bot-token"
DEFAULT_USERNAME = "sos_expat_local_bot"
#: Telegram's update ids are large and only ever grow (a reset does not reuse them)
FIRST_UPDATE_ID = 100_000_001


class Simulator:
    """One simulated bot: its Bot API, its users, its webhook and update queue, and the
    control API that plays the users."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        username: str = DEFAULT_USERNAME,
        policy: DeliveryPolicy | None = None,
    ) -> None:
        self.bot = BotIdentity(token=token, username=username)
        self.policy = policy or DeliveryPolicy()
        self.users = UserDirectory(self.bot.id)
        self.outbox = Outbox(self.bot, self.users)
        self.faults = FaultSwitch()
        self.webhook = WebhookSettings()
        #: update types the bot asked for (``allowed_updates`` of setWebhook / getUpdates)
        self.allowed_updates = DEFAULT_UPDATE_TYPES
        #: every update made, by id (what ``replay`` sends again)
        self.updates: dict[int, Update] = {}
        self._next_update_id = FIRST_UPDATE_ID
        self.api = BotApi(self)
        self.dispatcher = Dispatcher(self.policy, lambda: self.webhook, self.api.run_reply)

    def make_app(self) -> web.Application:
        control = ControlApi(self)
        app = web.Application(middlewares=[control.middleware])
        app.add_routes(control.routes())
        app.router.add_route("*", "/{tail:.*}", self._fallback)
        app.on_startup.append(self._on_startup)
        app.on_cleanup.append(self._on_cleanup)
        return app

    async def _fallback(self, request: web.Request) -> web.StreamResponse:
        if request.path == PREFIX or request.path.startswith(f"{PREFIX}/"):
            return control_error(404, f"no control route {request.method} {request.path}")
        return await self.api.handle(request)

    async def _on_startup(self, app: web.Application) -> None:
        self.dispatcher.start()

    async def _on_cleanup(self, app: web.Application) -> None:
        await self.dispatcher.stop()

    def emit(self, kind: str, body: dict[str, object]) -> tuple[Update, Delivery] | None:
        """A new update of ``kind`` for the bot, queued for delivery (with the armed fault,
        if any); ``None`` when the bot's ``allowed_updates`` leave this kind out, in which
        case Telegram makes no update at all."""
        if kind not in self.allowed_updates:
            return None
        update = Update(self._next_update_id, kind, dict(body))
        self._next_update_id += 1
        self.updates[update.update_id] = update
        return update, self.dispatcher.enqueue(update, self.faults.take())

    async def reset(self) -> None:
        """Forget users, messages, updates, deliveries, the webhook and armed faults.
        Update ids go on growing, as Telegram never reuses one: a backend that remembers
        the ids it saw still gets fresh ones."""
        await self.dispatcher.reset()
        self.users.reset()
        self.outbox.reset()
        self.faults.armed = None
        self.webhook = WebhookSettings()
        self.allowed_updates = DEFAULT_UPDATE_TYPES
        self.updates.clear()
