"""The product's webhook endpoint as the simulator tests stand it in: an aiohttp app on its own
thread that keeps every delivery (headers and raw body) and answers the statuses queued in
`statuses`, then 200."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any, Self

from aiohttp import web
from multidict import CIMultiDict

from devtools.sim_kit.app_thread import AppThread


@dataclass(frozen=True)
class Delivery:
    headers: CIMultiDict[str]  # looked up as HTTP does, whatever the case
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)  # key order kept
        return parsed


class WebhookListener:
    """Started on a free port by `with`, stopped at its end."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.received: list[Delivery] = []
        self.statuses: list[int] = []
        self._lock = threading.Lock()
        self.server = AppThread(self._app)

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_post(self.path, self._handle)
        return app

    async def _handle(self, request: web.Request) -> web.Response:
        delivery = Delivery(CIMultiDict(request.headers), await request.read())
        with self._lock:
            self.received.append(delivery)
            status = self.statuses.pop(0) if self.statuses else 200
        return web.Response(status=status, text="ok" if status < 300 else "listener down")

    def __enter__(self) -> Self:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()

    @property
    def url(self) -> str:
        return f"{self.server.base_url}{self.path}"

    def deliveries(self) -> list[Delivery]:
        with self._lock:
            return list(self.received)

    def clear(self) -> None:
        with self._lock:
            self.received.clear()
            self.statuses.clear()
