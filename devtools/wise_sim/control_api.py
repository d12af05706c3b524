"""The simulator's own JSON API under ``/_control``: clock, faults, webhook, balance,
inspection, replay and reset. No authentication; errors are ``{"error": message}``.

Every call first waits until no webhook is being sent, so what it reads is settled.
Calls that cause deliveries (advancing the clock or a transfer, replaying, releasing)
wait for all their attempts, retries included, and report them under ``deliveries``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from aiohttp import web

from devtools.sim_kit.control import control_error, json_object
from devtools.wise_sim.clock import iso_z
from devtools.wise_sim.faults import FaultError
from devtools.wise_sim.lifecycle import LifecycleError
from devtools.wise_sim.pricing import is_priced

if TYPE_CHECKING:
    from devtools.wise_sim.parts import SimulatorParts

P = "/_control"


def _number(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value)
    return None


class ControlApi:
    def __init__(self, sim: SimulatorParts) -> None:
        self.sim = sim

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get(f"{P}/health", self.health),
            web.get(f"{P}/public-key", self.public_key),
            web.get(f"{P}/clock", self.clock),
            web.post(f"{P}/clock/advance", self.advance_clock),
            web.get(f"{P}/transfers", self.transfers),
            web.post(f"{P}/transfers/{{transferId}}/advance", self.advance_transfer),
            web.get(f"{P}/faults", self.get_faults),
            web.post(f"{P}/faults", self.set_faults),
            web.get(f"{P}/webhook", self.get_webhook),
            web.post(f"{P}/webhook", self.set_webhook),
            web.get(f"{P}/balance", self.get_balance),
            web.post(f"{P}/balance", self.set_balance),
            web.get(f"{P}/deliveries", self.deliveries),
            web.post(f"{P}/deliveries/release", self.release),
            web.post(f"{P}/deliveries/{{deliveryId}}/replay", self.replay),
            web.post(f"{P}/reset", self.reset),
        ]

    async def _delivering(self, work: Callable[[], Awaitable[dict[str, Any]]]) -> web.Response:
        """Run ``work``, wait for every delivery it caused, and report them."""
        webhooks = self.sim.webhooks
        await webhooks.settle()
        mark = webhooks.mark()
        try:
            result = await work()
        except LifecycleError as exc:
            return control_error(409, str(exc))
        await webhooks.settle()
        return web.json_response({**result, "deliveries": webhooks.since(mark)})

    def _clock_json(self) -> dict[str, Any]:
        clock = self.sim.clock
        return {"now": iso_z(clock.wallclock()), "virtual_seconds": clock.now(), "epoch": iso_z(clock.epoch)}

    # -- health, key, clock ---------------------------------------------------------------------
    async def health(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "profile_id": self.sim.ledger.profile_id, **self._clock_json()})

    async def public_key(self, request: web.Request) -> web.Response:
        return web.Response(text=self.sim.signer.public_key_pem, content_type="application/x-pem-file")

    async def clock(self, request: web.Request) -> web.Response:
        return web.json_response(self._clock_json())

    async def advance_clock(self, request: web.Request) -> web.Response:
        body = await json_object(request)
        seconds = _number(body.get("seconds")) if body is not None else None
        if seconds is None:
            return control_error(400, 'body must be {"seconds": a number >= 0}')

        async def work() -> dict[str, Any]:
            ran = self.sim.clock.advance(seconds)
            return {**self._clock_json(), "steps_run": ran}

        return await self._delivering(work)

    # -- transfers ---------------------------------------------------------------------------------
    async def transfers(self, request: web.Request) -> web.Response:
        await self.sim.webhooks.settle()
        clock = self.sim.clock
        items = sorted(self.sim.ledger.transfers.values(), key=lambda t: t.id)
        return web.json_response([t.inspection(clock) for t in items])

    async def advance_transfer(self, request: web.Request) -> web.Response:
        raw = request.match_info["transferId"]
        transfer = self.sim.ledger.transfers.get(int(raw)) if raw.isdigit() else None
        if transfer is None:
            return control_error(404, f"no transfer {raw}")

        async def work() -> dict[str, Any]:
            state = self.sim.lifecycle.advance(transfer)
            return {"transfer": transfer.inspection(self.sim.clock), "status": state}

        return await self._delivering(work)

    # -- faults, webhook, balance ------------------------------------------------------------------
    async def get_faults(self, request: web.Request) -> web.Response:
        return web.json_response(self.sim.faults.to_json())

    async def set_faults(self, request: web.Request) -> web.Response:
        body = await json_object(request)
        if body is None:
            return control_error(400, "body must be a JSON object")
        try:
            self.sim.faults.update(body)
        except FaultError as exc:
            return control_error(400, str(exc))
        return web.json_response(self.sim.faults.to_json())

    async def get_webhook(self, request: web.Request) -> web.Response:
        return web.json_response(self.sim.webhook_settings.to_json())

    async def set_webhook(self, request: web.Request) -> web.Response:
        body = await json_object(request)
        if body is None or not set(body) <= {"url", "max_attempts", "backoff_seconds", "timeout_seconds"}:
            return control_error(400, "body must be {url, max_attempts?, backoff_seconds?, timeout_seconds?}")
        settings = self.sim.webhook_settings
        url = body.get("url", settings.url)
        if url is not None and not (isinstance(url, str) and (url == "" or url.startswith(("http://", "https://")))):
            return control_error(400, "url must be an http(s) URL, empty or null")
        attempts = body.get("max_attempts", settings.max_attempts)
        if not isinstance(attempts, int) or isinstance(attempts, bool) or not 1 <= attempts <= 25:
            return control_error(400, "max_attempts must be an integer from 1 to 25 (Wise tries at most 25 times)")
        backoff = _number(body.get("backoff_seconds", settings.backoff_seconds))
        timeout = _number(body.get("timeout_seconds", settings.timeout_seconds))
        if backoff is None or backoff > 10 or timeout is None or not 0 < timeout <= 30:
            return control_error(400, "backoff_seconds must be 0..10 and timeout_seconds more than 0, at most 30")
        await self.sim.webhooks.settle()
        settings.url, settings.max_attempts = url or None, attempts
        settings.backoff_seconds, settings.timeout_seconds = backoff, timeout
        return web.json_response(settings.to_json())

    async def get_balance(self, request: web.Request) -> web.Response:
        await self.sim.webhooks.settle()
        return web.json_response({c: float(v) for c, v in sorted(self.sim.ledger.balances.items())})

    async def set_balance(self, request: web.Request) -> web.Response:
        body = await json_object(request) or {}
        currency, value = body.get("currency"), body.get("value")
        if not isinstance(currency, str) or not is_priced(currency):
            return control_error(400, "currency must be one of the simulator's priced currencies (see pricing.py)")
        try:
            amount = (
                Decimal(str(value)) if isinstance(value, (int, float, str)) and not isinstance(value, bool) else None
            )
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite() or amount < 0:
            return control_error(400, "value must be a number >= 0")
        self.sim.ledger.balances[currency] = amount.quantize(Decimal("0.01"))
        return web.json_response({c: float(v) for c, v in sorted(self.sim.ledger.balances.items())})

    # -- deliveries ----------------------------------------------------------------------------------
    async def deliveries(self, request: web.Request) -> web.Response:
        await self.sim.webhooks.settle()
        items = [d.to_json() for d in self.sim.webhooks.deliveries.values()]
        wanted = request.query.get("transfer_id")
        if wanted:
            items = [d for d in items if str(d["transfer_id"]) == wanted]
        return web.json_response(items)

    async def release(self, request: web.Request) -> web.Response:
        async def work() -> dict[str, Any]:
            return {"released": self.sim.webhooks.release_all()}

        return await self._delivering(work)

    async def replay(self, request: web.Request) -> web.Response:
        delivery_id = request.match_info["deliveryId"]
        delivery = self.sim.webhooks.deliveries.get(delivery_id)
        if delivery is None:
            return control_error(404, f"no delivery {delivery_id}")
        if delivery.status == "held":
            return control_error(409, f"delivery {delivery_id} is held (deliver_out_of_order): release it first")

        async def work() -> dict[str, Any]:
            self.sim.webhooks.replay(delivery_id)
            return {"replayed": delivery_id}

        return await self._delivering(work)

    async def reset(self, request: web.Request) -> web.Response:
        await self.sim.reset()
        return web.json_response({"ok": True, **self._clock_json(), "webhook": self.sim.webhook_settings.to_json()})
