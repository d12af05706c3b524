"""Signed webhook deliveries, PayPal's retries on failure, and the delivery log.

Each attempt is a new transmission: a new ``PAYPAL-TRANSMISSION-ID``, the
virtual ``PAYPAL-TRANSMISSION-TIME`` of the attempt and a fresh signature, over
the same event body. A 2xx answer ends the delivery. Anything else (another
status, a refused connection, no answer within ``timeout_seconds`` real
seconds) plans a retry on the virtual clock, ``retry_backoff_seconds[n]`` after
attempt ``n + 1``; after the last one the delivery is given up (PayPal itself
retries up to 25 times over 3 days).
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from typing import Any

import aiohttp

from devtools.paypal_sim.clock import Timeline, VirtualClock
from devtools.paypal_sim.signing import AUTH_ALGO, WebhookSigner, event_body

USER_AGENT = "PayPal/AUHD-214.0-58762143"
DEFAULT_RETRY_BACKOFF_SECONDS = (60.0, 300.0, 1800.0)
BODY_KEPT = 500  # characters of the listener's answer kept in the log


class WebhookSender:
    """Delivers events to the one configured listener URL."""

    def __init__(
        self,
        clock: VirtualClock,
        timeline: Timeline,
        signer: WebhookSigner,
        webhook_id: str,
        url: str,
        base_url: Callable[[], str],
    ) -> None:
        self.clock = clock
        self.timeline = timeline
        self.signer = signer
        self.webhook_id = webhook_id
        self.url = url
        self.base_url = base_url
        self.retry_backoff_seconds: list[float] = list(DEFAULT_RETRY_BACKOFF_SECONDS)
        self.timeout_seconds = 10.0
        self.deliveries: list[dict[str, Any]] = []
        self._ids = itertools.count(1)
        self._session: aiohttp.ClientSession | None = None

    @property
    def cert_url(self) -> str:
        return self.base_url() + self.signer.cert_path

    def settings(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "webhook_id": self.webhook_id,
            "retry_backoff_seconds": self.retry_backoff_seconds,
            "timeout_seconds": self.timeout_seconds,
            "cert_url": self.cert_url,
        }

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    def headers(self, body: bytes) -> dict[str, str]:
        """PayPal's transmission headers for one attempt at sending ``body``."""
        transmission_id = str(uuid.uuid4())
        transmission_time = self.clock.timestamp()
        return {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "PAYPAL-TRANSMISSION-ID": transmission_id,
            "PAYPAL-TRANSMISSION-TIME": transmission_time,
            "PAYPAL-TRANSMISSION-SIG": self.signer.sign(transmission_id, transmission_time, self.webhook_id, body),
            "PAYPAL-CERT-URL": self.cert_url,
            "PAYPAL-AUTH-ALGO": AUTH_ALGO,
        }

    async def deliver(self, event: dict[str, Any], replay: bool = False, attempt: int = 1) -> dict[str, Any] | None:
        """One attempt; plans the next on failure. ``None`` when no listener URL is set."""
        url = self.url
        if not url:
            return None
        body = event_body(event)
        headers = self.headers(body)
        entry: dict[str, Any] = {
            "delivery_id": next(self._ids),
            "event_id": event["id"],
            "event_type": event["event_type"],
            "url": url,
            "attempt": attempt,
            "replay": replay,
            "transmission_id": headers["PAYPAL-TRANSMISSION-ID"],
            "transmission_time": headers["PAYPAL-TRANSMISSION-TIME"],
            "status_code": None,
            "response_body": None,
            "error": None,
            "delivered": False,
            "next_retry_at": None,
        }
        timeout = aiohttp.ClientTimeout(total=self.timeout_seconds)
        try:
            async with self._http().post(url, data=body, headers=headers, timeout=timeout) as response:
                entry["status_code"] = response.status
                entry["response_body"] = (await response.text(errors="replace"))[:BODY_KEPT]
                entry["delivered"] = 200 <= response.status < 300
        except TimeoutError:
            entry["error"] = "timeout"
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            entry["error"] = f"{type(exc).__name__}: {exc}"
        if not entry["delivered"] and attempt <= len(self.retry_backoff_seconds):
            delay = self.retry_backoff_seconds[attempt - 1]
            entry["next_retry_at"] = self.clock.timestamp(self.clock.now() + delay)

            async def retry() -> None:
                await self.deliver(event, replay=replay, attempt=attempt + 1)

            self.timeline.schedule(delay, f"webhook retry {attempt + 1} of {event['id']}", retry)
        self.deliveries.append(entry)
        return entry

    def reset(self, url: str) -> None:
        self.url = url
        self.retry_backoff_seconds = list(DEFAULT_RETRY_BACKOFF_SECONDS)
        self.timeout_seconds = 10.0
        self.deliveries.clear()
