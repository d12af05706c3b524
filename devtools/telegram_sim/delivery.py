"""Update delivery as Telegram does it.

Updates wait in one queue per bot, in ``update_id`` order. While a webhook is set,
the head of the queue is POSTed to it as JSON (``X-Telegram-Bot-Api-Secret-Token``
when a secret was set), one request at a time, so the backend sees updates in
order. A 2xx answer delivers it; any other answer, a connection error or a
timeout keeps it pending (and blocks the ones behind it): it is retried after
``first_retry_delay``, doubling up to ``max_retry_delay`` (or after the answer's
``Retry-After``), and dropped after ``max_attempts``. A 2xx answer whose body
names a Bot API ``method`` runs that method, as Telegram does. Without a webhook,
updates stay queued for ``getUpdates``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from devtools.telegram_sim.faults import SecretFault
from devtools.telegram_sim.models import Update, unix_now
from devtools.telegram_sim.webhook import WebhookSettings
from devtools.telegram_sim.webhook_client import Attempt, WebhookClient

MAX_RETRY_AFTER = 3600
#: what the webhook may answer with: (method, its arguments) → its outcome
ReplyHandler = Callable[[str, dict[str, str]], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class DeliveryPolicy:
    """Retries and timeouts (real seconds). Telegram retries for up to 24 hours with
    delays growing to about a minute; the defaults give up sooner."""

    max_attempts: int = 8
    first_retry_delay: float = 1.0
    max_retry_delay: float = 60.0
    request_timeout: float = 10.0
    #: how long a control call waits for the delivery attempt it caused
    control_wait: float = 15.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")
        if min(self.first_retry_delay, self.max_retry_delay) < 0 or self.request_timeout <= 0:
            raise ValueError("delays must be >= 0 and the request timeout > 0")

    def retry_delay(self, failures: int, retry_after: int | None) -> float:
        if retry_after is not None:
            return float(min(max(retry_after, 0), MAX_RETRY_AFTER))
        return min(self.first_retry_delay * 2.0 ** (failures - 1), self.max_retry_delay)


@dataclass(eq=False)
class Delivery:
    """An update on its way to the bot: ``pending``, then ``delivered`` (webhook),
    ``fetched`` (confirmed by ``getUpdates``) or ``dropped``."""

    update: Update
    duplicate: bool = False
    fault: SecretFault | None = None
    attempts: list[Attempt] = field(default_factory=list)
    state: str = "pending"
    dropped_reason: str | None = None
    not_before: float = 0.0
    attempted: asyncio.Event = field(default_factory=asyncio.Event)
    settled: asyncio.Event = field(default_factory=asyncio.Event)

    def settle(self, state: str, reason: str | None = None) -> None:
        self.state, self.dropped_reason = state, reason
        self.attempted.set()
        self.settled.set()

    def to_json(self) -> dict[str, Any]:
        last = self.attempts[-1] if self.attempts else None
        return {
            "update_id": self.update.update_id,
            "duplicate": self.duplicate,
            "state": self.state,
            "attempts": len(self.attempts),
            "last_status": last.status if last else None,
            "last_error": last.error if last else None,
            "fault": self.fault.name if self.fault else None,
            "dropped_reason": self.dropped_reason,
            "history": [attempt.to_json() for attempt in self.attempts],
        }


class Dispatcher:
    """The bot's update queue and the task that delivers it to the webhook."""

    def __init__(
        self,
        policy: DeliveryPolicy,
        webhook: Callable[[], WebhookSettings],
        on_reply: ReplyHandler,
    ) -> None:
        self.policy = policy
        self._webhook = webhook
        self._on_reply = on_reply
        self.queue: deque[Delivery] = deque()
        self.log: list[Delivery] = []
        self._changed = asyncio.Event()
        self._arrived = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._client = WebhookClient(policy.request_timeout)

    # -- lifecycle -----------------------------------------------------------------
    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="telegram-sim-delivery")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._client.close()

    async def reset(self) -> None:
        """Stop delivering, drop everything (waiters are released) and start afresh."""
        await self.stop()
        self.drop_pending("reset")
        self.log.clear()
        self.start()

    # -- the queue -----------------------------------------------------------------
    def enqueue(self, update: Update, fault: SecretFault | None, duplicate: bool = False) -> Delivery:
        delivery = Delivery(update, duplicate=duplicate, fault=fault)
        self.queue.append(delivery)
        self.log.append(delivery)
        self.wake()
        self._arrived.set()
        self._arrived = asyncio.Event()
        return delivery

    def wake(self) -> None:
        """The queue or the webhook changed: look again."""
        self._changed.set()

    def drop_pending(self, reason: str) -> int:
        dropped = len(self.queue)
        for delivery in self.queue:
            delivery.settle("dropped", reason)
        self.queue.clear()
        return dropped

    def fetchable(self, offset: int, limit: int) -> list[Update]:
        """``getUpdates``: forget what ``offset`` confirms, then the next ``limit`` updates."""
        if offset < 0:
            keep = list(self.queue)[offset:]
            for delivery in list(self.queue)[: len(self.queue) - len(keep)]:
                self._remove(delivery, "fetched")
        else:
            for delivery in [d for d in self.queue if d.update.update_id < offset]:
                self._remove(delivery, "fetched")
        return [delivery.update for delivery in list(self.queue)[:limit]]

    async def wait_arrival(self, timeout: float) -> None:
        arrived = self._arrived
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(arrived.wait(), timeout)

    def _remove(self, delivery: Delivery, state: str, reason: str | None = None) -> None:
        with contextlib.suppress(ValueError):
            self.queue.remove(delivery)
        delivery.settle(state, reason)

    # -- delivering ----------------------------------------------------------------
    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            self._changed.clear()
            head = self.queue[0] if self.queue else None
            if head is None or not self._webhook().active:
                await self._changed.wait()
                continue
            delay = head.not_before - loop.time()
            if delay > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), delay)
                continue
            await self._attempt(head)

    async def _attempt(self, delivery: Delivery) -> None:
        settings = self._webhook()
        fault = delivery.fault if not delivery.attempts else None
        secret = fault.header_value() if fault else (settings.secret_token or None)
        attempt = Attempt(
            number=len(delivery.attempts) + 1,
            url=settings.url,
            secret_header=secret,
            fault=fault.name if fault else None,
            started_at=time.time(),
        )
        reply = await self._client.post(attempt, delivery.update)
        delivery.attempts.append(attempt)
        if delivery.state != "pending":  # dropped while the request was on its way
            return
        if attempt.ok:
            if reply is not None:
                method, arguments = reply
                attempt.reply = {"method": method, **await self._on_reply(method, arguments)}
            self._remove(delivery, "delivered")
            return
        settings.record_error(unix_now(), attempt.error or "")
        failures = len(delivery.attempts)
        if failures >= self.policy.max_attempts:
            self._remove(delivery, "dropped", f"gave up after {failures} attempts")
            return
        delay = self.policy.retry_delay(failures, attempt.retry_after)
        delivery.not_before = asyncio.get_running_loop().time() + delay
        delivery.attempted.set()
