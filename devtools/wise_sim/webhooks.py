"""Webhook deliveries: signed ``transfers#state-change`` notifications, retried, held, replayed.

Each state change becomes one *delivery* with its own UUID (``X-Delivery-Id``) and a
body built once, so every attempt and every replay sends the same bytes with the same
``X-Signature-SHA256``. A transfer's deliveries go out one after the other, in the order
they were emitted. An attempt fails on a non-2xx answer, a connection error or no answer
within ``timeout_seconds``; it is retried up to ``max_attempts`` attempts in all, waiting
``backoff_seconds`` (real time) before the first retry and twice as long before each
next one. Wise retries for two weeks with growing intervals; the simulator compresses that.

With ``deliver_out_of_order`` the deliveries of a transfer are *held* until the transfer
rests, then sent newest first. ``replay`` sends a delivery again, as a duplicate.
Without a webhook URL a delivery is recorded as ``no_subscription`` and not sent.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp

from devtools.wise_sim.clock import VirtualClock, iso_z
from devtools.wise_sim.signing import SIGNATURE_HEADER, Signer

EVENT_TYPE = "transfers#state-change"
SCHEMA_VERSION = "2.0.0"
USER_AGENT = "Wise-Simulator-Webhooks/1.0"
BODY_KEPT = 300  # characters of a receiver's answer kept per attempt


@dataclass
class WebhookSettings:
    url: str | None = None
    max_attempts: int = 4
    backoff_seconds: float = 0.05
    timeout_seconds: float = 5.0
    subscription_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "max_attempts": self.max_attempts,
            "backoff_seconds": self.backoff_seconds,
            "timeout_seconds": self.timeout_seconds,
            "subscription_id": self.subscription_id,
        }


@dataclass
class Delivery:
    delivery_id: str
    transfer_id: int
    payload: dict[str, Any]
    body: bytes
    signature: str
    #: held | pending | delivered | failed | no_subscription
    status: str = "pending"
    attempts: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data = self.payload["data"]
        return {
            "delivery_id": self.delivery_id,
            "transfer_id": self.transfer_id,
            "event_type": self.payload["event_type"],
            "current_state": data["current_state"],
            "previous_state": data["previous_state"],
            "occurred_at": data["occurred_at"],
            "status": self.status,
            "delivered": self.status == "delivered",
            "attempts": list(self.attempts),
            "body": self.body.decode("utf-8"),
            "signature": self.signature,
        }


class Webhooks:
    """Builds, signs, sends and records the simulator's webhook notifications."""

    def __init__(self, clock: VirtualClock, signer: Signer, settings: WebhookSettings) -> None:
        self.clock = clock
        self.signer = signer
        self.settings = settings
        self.deliveries: dict[str, Delivery] = {}
        self._held: dict[int, list[Delivery]] = {}
        self._chains: dict[int, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._journal: list[str] = []  # delivery ids, each time one is sent or held
        self._session: aiohttp.ClientSession | None = None

    # -- emitting -----------------------------------------------------------------
    def emit(self, transfer_id: int, data: dict[str, Any], hold: bool) -> Delivery:
        payload = {
            "data": data,
            "subscription_id": self.settings.subscription_id,
            "event_type": EVENT_TYPE,
            "schema_version": SCHEMA_VERSION,
            "sent_at": iso_z(self.clock.wallclock()),
        }
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        delivery = Delivery(str(uuid.uuid4()), transfer_id, payload, body, self.signer.sign(body))
        self.deliveries[delivery.delivery_id] = delivery
        if hold or transfer_id in self._held:
            delivery.status = "held"
            self._held.setdefault(transfer_id, []).append(delivery)
            self._journal.append(delivery.delivery_id)
        else:
            self._dispatch(delivery, replay=False)
        return delivery

    def is_holding(self, transfer_id: int) -> bool:
        return transfer_id in self._held

    def release(self, transfer_id: int) -> int:
        """Send a transfer's held deliveries, newest first; returns how many."""
        batch = self._held.pop(transfer_id, [])
        for delivery in reversed(batch):
            delivery.status = "pending"
            self._dispatch(delivery, replay=False)
        return len(batch)

    def release_all(self) -> int:
        return sum(self.release(transfer_id) for transfer_id in list(self._held))

    def replay(self, delivery_id: str) -> Delivery | None:
        delivery = self.deliveries.get(delivery_id)
        if delivery is not None and delivery.status != "held":
            self._dispatch(delivery, replay=True)
        return delivery

    # -- waiting and reporting ---------------------------------------------------------
    def mark(self) -> int:
        return len(self._journal)

    def since(self, mark: int) -> list[dict[str, Any]]:
        """Deliveries sent, replayed or held since :meth:`mark`, each once, in first-touch order."""
        ids = list(dict.fromkeys(self._journal[mark:]))
        return [self.deliveries[i].to_json() for i in ids if i in self.deliveries]

    async def settle(self) -> None:
        """Wait until no delivery is being sent (held ones stay held)."""
        while self._tasks:
            await asyncio.wait(list(self._tasks))

    # -- sending ------------------------------------------------------------------------
    def _dispatch(self, delivery: Delivery, replay: bool) -> None:
        self._journal.append(delivery.delivery_id)
        previous = self._chains.get(delivery.transfer_id)
        self._chains[delivery.transfer_id] = self._spawn(self._send_after(previous, delivery, replay))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _send_after(self, previous: asyncio.Task[None] | None, delivery: Delivery, replay: bool) -> None:
        if previous is not None and not previous.done():
            await asyncio.wait([previous])
        url = self.settings.url
        if not url:
            if delivery.status != "delivered":
                delivery.status = "no_subscription"
            return
        if delivery.status != "delivered":  # a replay of a delivered one stays delivered
            delivery.status = "pending"
        delay = self.settings.backoff_seconds
        for number in range(1, self.settings.max_attempts + 1):
            attempt = await self._attempt(url, delivery, number, replay)
            delivery.attempts.append(attempt)
            if attempt["ok"]:
                delivery.status = "delivered"
                return
            if number < self.settings.max_attempts:
                await asyncio.sleep(delay)
                delay *= 2
        if delivery.status != "delivered":
            delivery.status = "failed"

    async def _attempt(self, url: str, delivery: Delivery, number: int, replay: bool) -> dict[str, Any]:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            SIGNATURE_HEADER: delivery.signature,
            "X-Delivery-Id": delivery.delivery_id,
            "X-Test-Notification": "false",
        }
        started = time.monotonic()
        attempt: dict[str, Any] = {
            "attempt": number,
            "replay": replay,
            "url": url,
            "sent_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "status_code": None,
            "error": None,
            "response_body": None,
        }
        try:
            timeout = aiohttp.ClientTimeout(total=self.settings.timeout_seconds)
            async with self._http().post(url, data=delivery.body, headers=headers, timeout=timeout) as response:
                attempt["status_code"] = response.status
                attempt["response_body"] = (await response.text(errors="replace"))[:BODY_KEPT]
        except TimeoutError:
            attempt["error"] = "timeout"
        except (aiohttp.ClientError, ValueError, OSError) as exc:
            attempt["error"] = f"{type(exc).__name__}: {exc}"
        attempt["duration_ms"] = round((time.monotonic() - started) * 1000, 1)
        status = attempt["status_code"]
        attempt["ok"] = status is not None and 200 <= status < 300
        return attempt

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    # -- lifecycle ------------------------------------------------------------------------
    async def reset(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        self._chains.clear()
        self._held.clear()
        self._journal.clear()
        self.deliveries.clear()

    async def close(self) -> None:
        await self.reset()
        if self._session is not None:
            await self._session.close()
            self._session = None
