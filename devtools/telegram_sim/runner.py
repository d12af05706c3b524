"""Serving the simulator in-process, from a background thread with its own event loop.

with SimulatorThread(policy=DeliveryPolicy(first_retry_delay=0.01)) as sim:
    requests.get(f"{sim.base_url}/bot{sim.sim.bot.token}/getMe")
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Self

from aiohttp import web

from devtools.telegram_sim.delivery import DeliveryPolicy
from devtools.telegram_sim.simulator import DEFAULT_TOKEN, DEFAULT_USERNAME, Simulator


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class AppThread:
    """Serves an aiohttp application from its own event loop in a daemon thread
    (port 0: any free port, known once started)."""

    def __init__(self, app_factory: Callable[[], web.Application], host: str = "127.0.0.1", port: int = 0) -> None:
        self._factory = app_factory
        self.host = host
        self.port = port
        self.loop: asyncio.AbstractEventLoop | None = None
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

    def _main(self) -> None:
        self.loop = asyncio.new_event_loop()
        try:
            self.loop.run_until_complete(self._serve())
        except BaseException as exc:  # reported by start()
            self._error = exc
            self._ready.set()
        finally:
            self.loop.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        runner = web.AppRunner(self._factory(), handle_signals=False, access_log=None)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.port)
            await site.start()
            self.port = int(runner.addresses[0][1])
            self._ready.set()
            await self._stop.wait()
        finally:
            await runner.cleanup()

    def stop(self, timeout: float = 10.0) -> None:
        if self.loop is not None and self._stop is not None and self._thread is not None:
            if self._thread.is_alive():
                self.loop.call_soon_threadsafe(self._stop.set)
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
    """A :class:`Simulator` served in-process; ``sim`` is the simulator itself."""

    def __init__(
        self,
        port: int = 0,
        host: str = "127.0.0.1",
        token: str = DEFAULT_TOKEN,
        username: str = DEFAULT_USERNAME,
        policy: DeliveryPolicy | None = None,
    ) -> None:
        self.sim = Simulator(token=token, username=username, policy=policy)
        super().__init__(self.sim.make_app, host=host, port=port)

    @property
    def api_base(self) -> str:
        """What the backend's ``TELEGRAM_API_BASE`` should be."""
        return self.base_url

    @property
    def bot_url(self) -> str:
        """``<base>/bot<token>``: append ``/<method>``."""
        return f"{self.base_url}/bot{self.sim.bot.token}"
