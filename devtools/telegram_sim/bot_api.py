"""The Bot API at ``/bot<token>/<method>``: authentication, method lookup (names are
case-insensitive, as on Telegram) and the methods the simulator implements:
``getMe``, ``getUpdates``, ``setWebhook``, ``deleteWebhook``, ``getWebhookInfo``
and ``sendMessage``. Any other method answers 404 ``Not Found``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from devtools.telegram_sim.parameters import boolean_argument, integer_argument, read_arguments
from devtools.telegram_sim.responses import BotApiError, ok_response
from devtools.telegram_sim.webhook import (
    DEFAULT_MAX_CONNECTIONS,
    WebhookSettings,
    allowed_update_types,
    read_set_webhook,
)

if TYPE_CHECKING:
    from devtools.telegram_sim.parts import SimulatorParts

#: what a method returns: its result and, for some, a ``description``
Outcome = tuple[Any, str | None]
Method = Callable[[dict[str, str], str], Awaitable[Outcome]]
LONG_POLL_MAX_TIMEOUT = 50
GET_UPDATES_CONFLICT = (
    "can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)


class BotApi:
    """Answers Bot API calls for one bot."""

    def __init__(self, sim: SimulatorParts) -> None:
        self.sim = sim
        self.methods: dict[str, Method] = {
            "getme": self.get_me,
            "getupdates": self.get_updates,
            "setwebhook": self.set_webhook,
            "deletewebhook": self.delete_webhook,
            "getwebhookinfo": self.get_webhook_info,
            "sendmessage": self.send_message,
        }

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Every request outside ``/_control``."""
        if not request.path.startswith("/bot"):
            return BotApiError(404).response()
        token, slash, method = request.path[len("/bot") :].partition("/")
        if not slash:
            return BotApiError(404).response()
        try:
            arguments = await read_arguments(request)
            if token != self.sim.bot.token:
                raise BotApiError(401)
            result, description = await self.call(method or arguments.get("method", ""), arguments, "bot_api")
        except BotApiError as exc:
            return exc.response()
        return ok_response(result, description)

    async def call(self, method: str, arguments: dict[str, str], via: str) -> Outcome:
        """Run ``method``; raises :class:`BotApiError` as Telegram refuses it."""
        handler = self.methods.get(method.lower())
        if handler is None:
            raise BotApiError(404)
        return await handler(arguments, via)

    async def run_reply(self, method: str, arguments: dict[str, str]) -> dict[str, Any]:
        """A method the webhook answered an update with; Telegram runs it and tells nobody
        how it went (the simulator logs it in the delivery)."""
        try:
            await self.call(method, arguments, "webhook_reply")
        except BotApiError as exc:
            return exc.to_json()
        return {"ok": True}

    # -- methods ---------------------------------------------------------------------
    async def get_me(self, arguments: dict[str, str], via: str) -> Outcome:
        return self.sim.bot.get_me_json(), None

    async def get_updates(self, arguments: dict[str, str], via: str) -> Outcome:
        """Long polling: refused while a webhook is set, as on Telegram."""
        if self.sim.webhook.active:
            raise BotApiError(409, GET_UPDATES_CONFLICT)
        offset = integer_argument(arguments, "offset", 0, -(1 << 31), (1 << 31) - 1)
        limit = integer_argument(arguments, "limit", 100, 1, 100)
        timeout = integer_argument(arguments, "timeout", 0, 0, LONG_POLL_MAX_TIMEOUT)
        allowed = allowed_update_types(arguments.get("allowed_updates", ""))
        if allowed is not None:
            self.sim.allowed_updates = allowed
        updates = self.sim.dispatcher.fetchable(offset, limit)
        if not updates and timeout:
            await self.sim.dispatcher.wait_arrival(timeout)
            updates = self.sim.dispatcher.fetchable(offset, limit)
        return [update.to_json() for update in updates], None

    async def set_webhook(self, arguments: dict[str, str], via: str) -> Outcome:
        """``setWebhook`` (see :func:`~devtools.telegram_sim.webhook.webhook_url` for the
        URLs accepted). As on Telegram, a call that changes anything first removes the
        current webhook, so a refused call (bad URL, bad secret) leaves the bot with none;
        ``drop_pending_updates`` drops the queue even then."""
        return self._change_webhook(arguments, arguments.get("url", ""))

    async def delete_webhook(self, arguments: dict[str, str], via: str) -> Outcome:
        return self._change_webhook(arguments, "")

    def _change_webhook(self, arguments: dict[str, str], url: str) -> Outcome:
        sim = self.sim
        token = arguments.get("secret_token", "") if url else ""
        connections = integer_argument(arguments, "max_connections", DEFAULT_MAX_CONNECTIONS, 1, 100) if url else 0
        drop = boolean_argument(arguments, "drop_pending_updates")
        allowed = allowed_update_types(arguments.get("allowed_updates", "")) if url else None
        if sim.webhook.same_as(url, token, connections) and not drop:
            if allowed is not None:
                sim.allowed_updates = allowed
            return True, ("Webhook is already set" if url else "Webhook is already deleted")
        was_set = sim.webhook.active
        sim.webhook = WebhookSettings()
        if drop:
            sim.dispatcher.drop_pending("drop_pending_updates")
        if not url:
            return True, ("Webhook was deleted" if was_set else "Webhook is already deleted")
        settings = read_set_webhook(arguments)
        if allowed is not None:
            sim.allowed_updates = allowed
        sim.webhook = settings
        sim.dispatcher.wake()
        return True, "Webhook was set"

    async def get_webhook_info(self, arguments: dict[str, str], via: str) -> Outcome:
        pending = len(self.sim.dispatcher.queue)
        return self.sim.webhook.info_json(pending, self.sim.allowed_updates), None

    async def send_message(self, arguments: dict[str, str], via: str) -> Outcome:
        return self.sim.outbox.send_message(arguments, via).message_json(), None
