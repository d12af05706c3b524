"""Serving the simulator (or any aiohttp app) from a background thread.

with SimulatorThread() as paypal:       # own event loop, any free port
    paypal.base_url                     # http://127.0.0.1:<port>
    paypal.sim                          # the Simulator, for debugging
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from devtools.paypal_sim.simulator import Simulator


class AppThread:
    """Serves an aiohttp application from its own event loop in a daemon thread."""

    def __init__(self, app_factory: Callable[[], web.Application], host: str = "127.0.0.1", port: int = 0) -> None:
        self._factory = app_factory
        self.host = host
        self.port = port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> Self:
        self._thread = threading.Thread(target=self._main, name=f"aiohttp-{id(self)}", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("server thread did not start in time")
        if self._error is not None:
            raise RuntimeError("server thread failed to start") from self._error
        return self

    def bound(self) -> None:
        """Called on the server's loop once the port is known."""

    def _main(self) -> None:
        self._loop = asyncio.new_event_loop()
        try:
            self._loop.run_until_complete(self._serve())
        except BaseException as exc:
            self._error = exc
            self._ready.set()
        finally:
            self._loop.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        runner = web.AppRunner(self._factory(), handle_signals=False, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.port)
            await site.start()
            self.port = int(runner.addresses[0][1])
            self.bound()
            self._ready.set()
            await self._stop.wait()
        finally:
            await runner.cleanup()

    def stop(self, timeout: float = 10.0) -> None:
        if self._loop is not None and self._stop is not None and self._thread is not None:
            if self._thread.is_alive():
                self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(timeout)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class SimulatorThread(AppThread):
    """A :class:`Simulator` served in-process (port 0: any free port)."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1", **settings: Any) -> None:
        self.sim = Simulator(**settings)
        super().__init__(self.sim.make_app, host=host, port=port)

    def bound(self) -> None:
        self.sim.public_url = self.base_url
