"""Outgoing HTTP: signed TwiML fetches and status callbacks, with fault modes.

Every request carries ``X-Twilio-Signature`` computed exactly as Twilio does
(``RequestValidator(auth_token).compute_signature(url, params)``): for POST the
form parameters are signed along with the exact URL requested; for GET the
parameters are appended to the URL's query string and the full URL is signed
with no parameters.

Callbacks of one owner (a call, a conference or a message) are delivered one
after the other, in the order they were emitted, unless the ``callbacks``
fault switch says otherwise (drop, duplicate, shuffle).
"""

from __future__ import annotations

import asyncio
import random
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]
from yarl import URL

from devtools.twilio_sim.faults import SimConfig
from devtools.twilio_sim.models import EventLog

USER_AGENT = "TwilioProxy/1.1"


@dataclass
class HttpResult:
    url: str
    method: str
    status: int | None = None
    body: str = ""
    content_type: str = ""
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


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
    def __init__(self, config: SimConfig, auth_token: str, notices: Notices) -> None:
        self.config = config
        self.validator = RequestValidator(auth_token)
        self.notices = notices
        self.history: list[dict[str, Any]] = []
        self._session: aiohttp.ClientSession | None = None
        self._chains: dict[str, asyncio.Task[None]] = {}
        self._buffers: dict[str, list[Callback]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

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

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    def sign(self, url: str, method: str, params: dict[str, str]) -> tuple[str, str]:
        """(URL actually requested, signature) for a webhook request."""
        if method == "GET":
            if params:
                url = url + ("&" if "?" in url else "?") + urlencode(params)
            return url, self.validator.compute_signature(url, {})
        return url, self.validator.compute_signature(url, params)

    async def request(self, url: str, method: str, params: dict[str, str], token: str | None = None) -> HttpResult:
        method = method.upper() if method.upper() in ("GET", "POST") else "POST"
        final_url, signature = self.sign(url, method, params)
        headers = {
            "X-Twilio-Signature": signature,
            "User-Agent": USER_AGENT,
            "I-Twilio-Idempotency-Token": token or secrets.token_hex(16),
            "Accept": "*/*",
        }
        result = HttpResult(url=final_url, method=method)
        timeout = aiohttp.ClientTimeout(total=self.config.webhook_timeout or None)
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
        except TimeoutError:
            result.error = "timeout"
        except (aiohttp.ClientError, ValueError, OSError) as exc:
            result.error = f"{type(exc).__name__}: {exc}"
        return result

    # -- callbacks ----------------------------------------------------------
    def callback(self, cb: Callback) -> None:
        """Emit a callback according to the current ``callbacks`` mode."""
        mode = self.config.callbacks
        if mode == "drop":
            self._record(cb, None, copy=1, dropped=True)
        elif mode == "shuffle" or cb.owner in self._buffers:
            self._buffers.setdefault(cb.owner, []).append(cb)
        else:
            copies = 2 if mode == "duplicate" else 1
            for copy in range(1, copies + 1):
                self._chain(cb, copy)

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
            self._chain(cb, 1, shuffled=True)

    def _chain(self, cb: Callback, copy: int, shuffled: bool = False) -> None:
        previous = self._chains.get(cb.owner)
        task = asyncio.get_running_loop().create_task(self._deliver_after(previous, cb, copy, shuffled))
        self._chains[cb.owner] = task
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver_after(
        self,
        previous: asyncio.Task[None] | None,
        cb: Callback,
        copy: int,
        shuffled: bool,
    ) -> None:
        if previous is not None and not previous.done():
            await asyncio.wait([previous])
        result = await self.request(cb.url, cb.method, cb.params, token=cb.token)
        self._record(cb, result, copy=copy, shuffled=shuffled)
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
        result: HttpResult | None,
        copy: int,
        dropped: bool = False,
        shuffled: bool = False,
    ) -> None:
        entry: dict[str, Any] = {
            "kind": cb.kind,
            "event": cb.event,
            "owner": cb.owner,
            "url": result.url if result else cb.url,
            "method": cb.method,
            "params": dict(cb.params),
            "status_code": result.status if result else None,
            "error": result.error if result else None,
            "delivered": bool(result and result.ok),
            "dropped": dropped,
            "copy": copy,
            "shuffled": shuffled,
        }
        for log in cb.logs:
            log.add("callback", **entry)
        self.history.append(entry)
