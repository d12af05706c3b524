"""Outgoing HTTP: signed TwiML fetches and callbacks, with delivery and fault modes.

Every request is signed by :class:`~devtools.twilio_sim.signing.Signer`.

Callbacks (status, conference, AMD, message) are delivered according to
``delivery``: ``serial`` sends the callbacks of one owner (a call, a room, a
message) one after the other, in the order they were emitted; ``parallel``
sends every callback as its own request at once, after a small random jitter,
as Twilio does. The ``callbacks`` switch adds faults (drop, duplicate, shuffle)
and ``drop_conference_sequence`` loses one conference event per room.

As on Twilio, a callback that got an HTTP answer is never retried, whatever
its status; one whose connection failed (refused, DNS failure, connect timeout) is
retried once, ``connection_retry_seconds`` later, with the same idempotency token.
"""

from __future__ import annotations

import asyncio
import random
import secrets
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from yarl import URL

from devtools.twilio_sim.clock import VirtualClock
from devtools.twilio_sim.faults import SimConfig
from devtools.twilio_sim.models import EventLog
from devtools.twilio_sim.signing import Signer

USER_AGENT = "TwilioProxy/1.1"
BODY_KEPT = 500  # characters of a callback's answer kept in the log


@dataclass
class HttpResult:
    url: str
    method: str
    status: int | None = None
    body: str = ""
    content_type: str = ""
    error: str | None = None
    #: the request never reached the server (refused, DNS failure, connect timeout)
    connection_failed: bool = False
    sent_at: float = 0.0
    answered_at: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def describe(self) -> dict[str, Any]:
        return {
            "status_code": self.status,
            "error": self.error,
            "connection_failure": self.connection_failed,
            "body": self.body[:BODY_KEPT],
            "sent_at": round(self.sent_at, 3),
            "answered_at": round(self.answered_at, 3),
        }


@dataclass
class Callback:
    owner: str
    kind: str
    event: str
    url: str
    method: str
    params: dict[str, str]
    logs: list[EventLog]
    token: str = field(default_factory=lambda: secrets.token_hex(16))


class Notices:
    """Twilio-debugger-like notifications (errors and warnings)."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, code: int, message: str, **data: Any) -> None:
        self.items.append({"code": code, "message": message, **data})


class Webhooks:
    """Sends the simulator's webhook requests and records every callback delivery."""

    def __init__(self, config: SimConfig, signer: Signer, notices: Notices, clock: VirtualClock) -> None:
        self.config = config
        self.signer = signer
        self.notices = notices
        self.clock = clock
        self.history: list[dict[str, Any]] = []
        self._session: aiohttp.ClientSession | None = None
        self._chains: dict[str, asyncio.Task[None]] = {}
        self._buffers: dict[str, list[Callback]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._jitter = random.Random()
        self._jitter_seed: int | None = None
        self._conference_started = False  # drop_after_conference_start: every later callback is lost

    # -- plumbing ---------------------------------------------------------
    async def close(self) -> None:
        await self.reset()
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def reset(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        self._chains.clear()
        self._buffers.clear()
        self.history.clear()
        self._jitter_seed = None
        self._conference_started = False

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    async def request(self, url: str, method: str, params: dict[str, str], token: str | None = None) -> HttpResult:
        method = method.upper() if method.upper() in ("GET", "POST") else "POST"
        final_url = self.signer.signed_url(url, method, params)
        headers = {
            **self.signer.headers(final_url, method, params),
            "User-Agent": USER_AGENT,
            "I-Twilio-Idempotency-Token": token or secrets.token_hex(16),
            "Accept": "*/*",
        }
        result = HttpResult(url=final_url, method=method, sent_at=self.clock.now())
        timeout = aiohttp.ClientTimeout(
            total=self.config.webhook_timeout or None,
            sock_connect=self.config.webhook_connect_timeout or None,
        )
        try:
            async with self._http().request(
                method,
                URL(final_url, encoded=True),
                data=params if method == "POST" else None,
                headers=headers,
                timeout=timeout,
                allow_redirects=True,
            ) as response:
                result.status = response.status
                result.content_type = response.headers.get("Content-Type", "")
                result.body = await response.text(errors="replace")
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            result.error = f"{type(exc).__name__}: {exc}"
            result.connection_failed = True
        except TimeoutError:
            result.error = "timeout"
        except (aiohttp.ClientError, ValueError, OSError) as exc:
            result.error = f"{type(exc).__name__}: {exc}"
        result.answered_at = self.clock.now()
        return result

    # -- callbacks ----------------------------------------------------------
    def callback(self, cb: Callback) -> None:
        """Emit a callback according to the current ``callbacks`` mode."""
        mode = self.config.callbacks
        if mode == "drop_after_conference_start":
            mode = "drop" if self._conference_started else "normal"
            self._conference_started |= cb.kind == "conference" and cb.event == "conference-start"
        if mode == "drop" or self._is_dropped_conference_event(cb):
            self._record(cb, [], copy=1, dropped=True)
        elif mode == "shuffle" or cb.owner in self._buffers:
            self._buffers.setdefault(cb.owner, []).append(cb)
        else:
            copies = 2 if mode == "duplicate" else 1
            for copy in range(1, copies + 1):
                self._dispatch(cb, copy)

    def callback_mode_set(self) -> None:
        """The ``callbacks`` mode was set: ``drop_after_conference_start`` waits for a new start."""
        self._conference_started = False

    def _is_dropped_conference_event(self, cb: Callback) -> bool:
        target = self.config.drop_conference_sequence
        return (
            target is not None
            and cb.kind == "conference"
            and cb.event != "conference-end"
            and cb.params.get("SequenceNumber") == str(target)
        )

    def flush(self, owner: str) -> None:
        """Deliver the callbacks buffered for ``owner`` (shuffle mode)."""
        batch = self._buffers.pop(owner, [])
        if len(batch) > 1:
            original = list(batch)
            if self.config.shuffle_seed is None:
                batch.reverse()
            else:
                random.Random(self.config.shuffle_seed).shuffle(batch)
                if batch == original:
                    batch.reverse()
        for cb in batch:
            self._dispatch(cb, 1, shuffled=True)

    def _dispatch(self, cb: Callback, copy: int, shuffled: bool = False) -> None:
        if self.config.delivery == "parallel":
            self._spawn(self._deliver(None, cb, copy, shuffled, self._draw_jitter()))
            return
        previous = self._chains.get(cb.owner)
        self._chains[cb.owner] = self._spawn(self._deliver(previous, cb, copy, shuffled, 0.0))

    def _draw_jitter(self) -> float:
        seed = self.config.shuffle_seed
        if seed is not None and seed != self._jitter_seed:
            self._jitter.seed(seed)
            self._jitter_seed = seed
        return self._jitter.uniform(0.0, self.config.parallel_jitter_seconds)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _deliver(
        self,
        previous: asyncio.Task[None] | None,
        cb: Callback,
        copy: int,
        shuffled: bool,
        jitter: float,
    ) -> None:
        if previous is not None and not previous.done():
            await asyncio.wait([previous])
        if jitter > 0:
            await asyncio.sleep(jitter)
        attempts = [await self.request(cb.url, cb.method, cb.params, token=cb.token)]
        if attempts[0].connection_failed:
            await asyncio.sleep(self.config.connection_retry_seconds)
            attempts.append(await self.request(cb.url, cb.method, cb.params, token=cb.token))
        self._record(cb, attempts, copy=copy, shuffled=shuffled, jitter=jitter)
        result = attempts[-1]
        if not result.ok:
            code = 15003 if cb.kind in ("status", "conference") else 11200
            self.notices.add(
                code,
                f"Warning: non-2xx response (or no response) requesting the {cb.kind} callback URL",
                owner=cb.owner,
                url=result.url,
                status_code=result.status,
                error=result.error,
                event=cb.event,
            )

    def _record(
        self,
        cb: Callback,
        attempts: list[HttpResult],
        copy: int,
        dropped: bool = False,
        shuffled: bool = False,
        jitter: float = 0.0,
    ) -> None:
        result = attempts[-1] if attempts else None
        entry: dict[str, Any] = {
            "kind": cb.kind,
            "event": cb.event,
            "owner": cb.owner,
            "url": result.url if result else cb.url,
            "method": cb.method,
            "params": dict(cb.params),
            "status_code": result.status if result else None,
            "error": result.error if result else None,
            "response_body": result.body[:BODY_KEPT] if result else None,
            "attempts": [a.describe() for a in attempts],
            "delivered": bool(result and result.ok),
            "dropped": dropped,
            "copy": copy,
            "shuffled": shuffled,
            "delivery": self.config.delivery,
            "jitter": round(jitter, 4),
        }
        for log in cb.logs:
            log.add("callback", **entry)
        self.history.append(entry)
