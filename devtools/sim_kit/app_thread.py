"""Serving an aiohttp application from its own event loop in a daemon thread (port 0: any free
port, known once started): how the tests run a simulator, or a webhook listener, in-process."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from types import TracebackType
from typing import Self, TypeVar

from aiohttp import web

T = TypeVar("T")


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class AppThread:
    """An aiohttp application on its own event loop in a daemon thread. `shutdown_timeout` is how
    long `stop` lets open connections finish (aiohttp's default: 60 s)."""

    def __init__(
        self,
        app_factory: Callable[[], web.Application],
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        shutdown_timeout: float = 60.0,
    ) -> None:
        self._factory = app_factory
        self.host = host
        self.port = port
        self._shutdown_timeout = shutdown_timeout
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

    def bound(self) -> None:
        """Called on the server's loop once the port is known (before `start` returns)."""

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
        runner = web.AppRunner(
            self._factory(), handle_signals=False, access_log=None, shutdown_timeout=self._shutdown_timeout
        )
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

    def run(self, coro: Awaitable[T], timeout: float = 10.0) -> T:
        """Run a coroutine on the server's loop and wait for its result."""
        assert self.loop is not None

        async def wrapper() -> T:
            return await coro

        fut: Future[T] = asyncio.run_coroutine_threadsafe(wrapper(), self.loop)
        return fut.result(timeout)

    def stop(self, timeout: float = 10.0) -> None:
        if self.loop is not None and self._stop is not None and self._thread is not None:
            if self._thread.is_alive():
                self.loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(timeout)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
