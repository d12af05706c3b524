"""The simulator's own JSON API under ``/_control/`` (no authentication).

Calls that cause webhook deliveries (``clock/advance``, ``items/{id}/settle``,
``events/{id}/replay``) return once every delivery attempt they caused has been
answered, and report those attempts under ``deliveries``: tests need no sleeps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from devtools.paypal_sim.faults import FaultError
from devtools.sim_kit.control import control_error, json_object

if TYPE_CHECKING:
    from devtools.paypal_sim.parts import SimulatorParts

PREFIX = "/_control"


class ControlApi:
    def __init__(self, sim: SimulatorParts) -> None:
        self.sim = sim

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get(f"{PREFIX}/health", self.health),
            web.get(f"{PREFIX}/clock", self.clock),
            web.post(f"{PREFIX}/clock/advance", self.advance),
            web.post(f"{PREFIX}/items/{{payout_item_id}}/settle", self.settle),
            web.get(f"{PREFIX}/faults", self.get_faults),
            web.post(f"{PREFIX}/faults", self.set_faults),
            web.post(f"{PREFIX}/webhook", self.set_webhook),
            web.get(f"{PREFIX}/webhooks", self.webhooks),
            web.get(f"{PREFIX}/events", self.list_events),
            web.post(f"{PREFIX}/events/{{event_id}}/replay", self.replay),
            web.get(f"{PREFIX}/payouts", self.payouts),
            web.post(f"{PREFIX}/reset", self.reset),
        ]

    def _clock_json(self) -> dict[str, Any]:
        clock = self.sim.clock
        return {
            "virtual_seconds": clock.now(),
            "virtual_time": clock.timestamp(),
            "pending_timers": self.sim.timeline.pending(),
        }

    async def health(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "client_id": self.sim.tokens.client_id, **self._clock_json()})

    async def clock(self, request: web.Request) -> web.Response:
        return web.json_response(self._clock_json())

    async def advance(self, request: web.Request) -> web.Response:
        body = await json_object(request)
        seconds = None if body is None else body.get("seconds")
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds < 0:
            return control_error(400, 'body must be {"seconds": <number >= 0>}')
        start = len(self.sim.webhooks.deliveries)
        fired = await self.sim.timeline.advance(float(seconds))
        return web.json_response(
            {**self._clock_json(), "fired": fired, "deliveries": self.sim.webhooks.deliveries[start:]}
        )

    async def settle(self, request: web.Request) -> web.Response:
        item = self.sim.ledger.items.get(request.match_info["payout_item_id"])
        if item is None:
            return control_error(404, "no such payout item")
        batch = self.sim.ledger.batches[item.payout_batch_id]
        start = len(self.sim.webhooks.deliveries)
        moved = await self.sim.timeline.run_now(lambda: self.sim.lifecycle.settle_by_hand(item, batch))
        if not moved:
            return control_error(409, f"payout item is {item.status}: nothing left to settle")
        return web.json_response(
            {
                "item": self.sim.renderer.item(item, self.sim.base_url()),
                "batch_status": batch.status,
                "deliveries": self.sim.webhooks.deliveries[start:],
            }
        )

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

    async def set_webhook(self, request: web.Request) -> web.Response:
        """``{"url": "http://…" or "", "retry_backoff_seconds": [..], "timeout_seconds": n}``."""
        body = await json_object(request)
        if body is None or not isinstance(body.get("url", ""), str):
            return control_error(400, "body must be a JSON object with a string url")
        backoff = body.get("retry_backoff_seconds")
        if backoff is not None and (
            not isinstance(backoff, list)
            or len(backoff) > 25
            or not all(isinstance(s, (int, float)) and not isinstance(s, bool) and s >= 0 for s in backoff)
        ):
            return control_error(400, "retry_backoff_seconds must be a list of at most 25 numbers >= 0")
        timeout = body.get("timeout_seconds")
        if timeout is not None and (not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or timeout <= 0):
            return control_error(400, "timeout_seconds must be a number > 0")
        sender = self.sim.webhooks
        if "url" in body:
            sender.url = body["url"]
        if backoff is not None:
            sender.retry_backoff_seconds = [float(s) for s in backoff]
        if timeout is not None:
            sender.timeout_seconds = float(timeout)
        return web.json_response(sender.settings())

    async def webhooks(self, request: web.Request) -> web.Response:
        return web.json_response({**self.sim.webhooks.settings(), "deliveries": self.sim.webhooks.deliveries})

    async def list_events(self, request: web.Request) -> web.Response:
        return web.json_response(list(self.sim.events.events.values()))

    async def replay(self, request: web.Request) -> web.Response:
        event_id = request.match_info["event_id"]
        if event_id not in self.sim.events.events:
            return control_error(404, "no such event")
        if not self.sim.webhooks.url:
            return control_error(409, "no webhook URL is set: nothing to deliver to")
        start = len(self.sim.webhooks.deliveries)
        await self.sim.timeline.run_now(lambda: self.sim.events.replay(event_id))
        return web.json_response({"event_id": event_id, "deliveries": self.sim.webhooks.deliveries[start:]})

    async def payouts(self, request: web.Request) -> web.Response:
        """Every batch (PayPal's GET shape, all items) and a flat list of items, for reconciliation."""
        base = self.sim.base_url()
        render = self.sim.renderer
        batches = [render.batch(b, base, 1, max(1, len(b.items))) for b in self.sim.ledger.batches.values()]
        items = [
            {**render.item(item, base), "history": item.history}
            for batch in self.sim.ledger.batches.values()
            for item in batch.items
        ]
        return web.json_response({"batches": batches, "items": items})

    async def reset(self, request: web.Request) -> web.Response:
        await self.sim.reset()
        return web.json_response({"ok": True, **self._clock_json(), "webhook": self.sim.webhooks.settings()})
