"""The simulator's own JSON API under ``/_control`` (no auth; local only): users and
what they do, what the bot sent, deliveries, replays, faults and reset.

Calls that make an update (``start``, ``messages``, ``replay``) wait until its first
delivery attempt is over and answer its outcome, so tests need no sleeps:
``?wait=attempt`` (default), ``?wait=final`` (until delivered or dropped, retries
included) or ``?wait=none``. Nothing is awaited while no webhook is set.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from devtools.sim_kit.control import control_error
from devtools.telegram_sim.delivery import Delivery
from devtools.telegram_sim.faults import FaultError, read_fault
from devtools.telegram_sim.models import Update
from devtools.telegram_sim.parameters import leading_integer
from devtools.telegram_sim.users import UserError

if TYPE_CHECKING:
    from devtools.telegram_sim.parts import SimulatorParts

PREFIX = "/_control"
WAIT_MODES = ("attempt", "final", "none")


async def _body(request: web.Request) -> Any:
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise UserError(400, "body must be JSON") from None


class ControlApi:
    """Routes of ``/_control``."""

    def __init__(self, sim: SimulatorParts) -> None:
        self.sim = sim

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get(f"{PREFIX}/health", self.health),
            web.get(f"{PREFIX}/users", self.list_users),
            web.post(f"{PREFIX}/users", self.create_user),
            web.post(f"{PREFIX}/users/{{id}}/start", self.press_start),
            web.post(f"{PREFIX}/users/{{id}}/messages", self.send_text),
            web.post(f"{PREFIX}/users/{{id}}/block", self.block),
            web.get(f"{PREFIX}/messages", self.messages),
            web.get(f"{PREFIX}/updates", self.updates),
            web.get(f"{PREFIX}/deliveries", self.deliveries),
            web.post(f"{PREFIX}/updates/{{update_id}}/replay", self.replay),
            web.get(f"{PREFIX}/faults", self.get_faults),
            web.post(f"{PREFIX}/faults", self.set_faults),
            web.post(f"{PREFIX}/reset", self.reset),
        ]

    @web.middleware
    async def middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """Control errors as ``{"error": ...}`` JSON; Bot API paths are left alone."""
        if not request.path.startswith(PREFIX):
            response: web.StreamResponse = await handler(request)
            return response
        try:
            response = await handler(request)
        except UserError as exc:
            return control_error(exc.status, exc.message)
        except web.HTTPException as exc:
            return control_error(exc.status, exc.reason)
        return response

    async def health(self, request: web.Request) -> web.Response:
        bot = self.sim.bot
        return web.json_response(
            {"ok": True, "bot": bot.get_me_json(), "start_link": bot.start_link(), "webhook": self.sim.webhook.url}
        )

    # -- users -------------------------------------------------------------------------
    async def list_users(self, request: web.Request) -> web.Response:
        return web.json_response([user.control_json() for user in self.sim.users.users.values()])

    async def create_user(self, request: web.Request) -> web.Response:
        user = self.sim.users.create(await _body(request))
        return web.json_response(user.control_json(), status=201)

    async def press_start(self, request: web.Request) -> web.Response:
        """The user opens ``https://t.me/<bot>?start=<payload>`` and presses Start."""
        wait = self._wait_mode(request)
        body = await _body(request)
        user = self.sim.users.get(request.match_info["id"])
        payload = body.get("payload") if isinstance(body, dict) else None
        message = self.sim.users.press_start(user, payload)
        return await self._emit(message, wait, {"start_link": self.sim.bot.start_link(payload)})

    async def send_text(self, request: web.Request) -> web.Response:
        wait = self._wait_mode(request)
        body = await _body(request)
        user = self.sim.users.get(request.match_info["id"])
        message = self.sim.users.send_text(user, body.get("text") if isinstance(body, dict) else None)
        return await self._emit(message, wait, {})

    async def block(self, request: web.Request) -> web.Response:
        """The user blocks the bot (``{"blocked": false}`` unblocks): ``sendMessage`` then
        answers 403 ``Forbidden: bot was blocked by the user``."""
        body = await _body(request)
        user = self.sim.users.get(request.match_info["id"])
        blocked = body.get("blocked", True) if isinstance(body, dict) else True
        if not isinstance(blocked, bool):
            raise UserError(400, "blocked must be true or false")
        user.blocked = blocked
        return web.json_response(user.control_json())

    # -- what happened -------------------------------------------------------------------
    async def messages(self, request: web.Request) -> web.Response:
        """What the bot sent, in order; ``?chat_id=`` keeps one chat."""
        raw = request.query.get("chat_id")
        chat_id = leading_integer(raw) if raw else None
        return web.json_response([m.control_json() for m in self.sim.outbox.for_chat(chat_id)])

    async def updates(self, request: web.Request) -> web.Response:
        return web.json_response([update.to_json() for update in self.sim.updates.values()])

    async def deliveries(self, request: web.Request) -> web.Response:
        return web.json_response([delivery.to_json() for delivery in self.sim.dispatcher.log])

    async def replay(self, request: web.Request) -> web.Response:
        """Deliver an update again, same ``update_id`` (a duplicate, as after a lost answer)."""
        wait = self._wait_mode(request)
        update = self.sim.updates.get(leading_integer(request.match_info["update_id"]))
        if update is None:
            raise UserError(404, f"no update {request.match_info['update_id']}")
        delivery = self.sim.dispatcher.enqueue(update, self.sim.faults.take(), duplicate=True)
        return await self._outcome(update, delivery, wait, {})

    # -- faults and reset ------------------------------------------------------------------
    async def get_faults(self, request: web.Request) -> web.Response:
        return web.json_response(self.sim.faults.to_json())

    async def set_faults(self, request: web.Request) -> web.Response:
        """Arm a forged (``secret_token``) or missing (``omit_secret``) secret header for
        the first delivery attempt of the next update; ``{}`` disarms."""
        try:
            self.sim.faults.armed = read_fault(await _body(request))
        except FaultError as exc:
            raise UserError(400, str(exc)) from None
        return web.json_response(self.sim.faults.to_json())

    async def reset(self, request: web.Request) -> web.Response:
        await self.sim.reset()
        return web.json_response({"ok": True})

    # -- delivering what users did ---------------------------------------------------------
    def _wait_mode(self, request: web.Request) -> str:
        wait = request.query.get("wait", "attempt")
        if wait not in WAIT_MODES:
            raise UserError(400, f"wait must be one of {', '.join(WAIT_MODES)}")
        return wait

    async def _emit(self, message: dict[str, Any], wait: str, extra: dict[str, Any]) -> web.Response:
        made = self.sim.emit("message", message)
        if made is None:
            return web.json_response({"update": None, "delivery": None, "skipped": "allowed_updates", **extra})
        update, delivery = made
        return await self._outcome(update, delivery, wait, extra)

    async def _outcome(self, update: Update, delivery: Delivery, wait: str, extra: dict[str, Any]) -> web.Response:
        timed_out = False
        waiting = wait != "none" and self.sim.webhook.active
        if waiting:
            event = delivery.attempted if wait == "attempt" else delivery.settled
            try:
                await asyncio.wait_for(event.wait(), self.sim.policy.control_wait)
            except TimeoutError:
                timed_out = True
        described = delivery.to_json()
        return web.json_response(
            {
                "update": update.to_json(),
                "delivery": described,
                "status": described["last_status"],
                "waited": wait if waiting else "none",
                "timed_out": timed_out,
                **extra,
            }
        )
