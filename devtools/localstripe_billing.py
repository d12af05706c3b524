"""Stripe Billing on localstripe: prices, subscriptions priced by them, trials, renewals and dunning
driven by a local clock, Checkout Sessions and Billing Portal sessions.

`register()` patches localstripe's classes and adds routes to `extra_apis`; it must run before
`localstripe.server` is imported (devtools.localstripe_ext.apply_patches calls it first).

Modules: localstripe_prices (Price, product updates), localstripe_subscriptions (subscriptions;
their updates and parameters in localstripe_subscription_updates/_params), localstripe_invoices
(invoices, payments, dunning), localstripe_renewals, localstripe_clock (local time and what becomes due),
localstripe_checkout (Checkout, Billing Portal, test card control). This module holds what they
share: ordered, signed webhook delivery, events with `previous_attributes`, route helpers.

Local-only controls (authenticated with any `sk_` key, like the rest of the API):
- `POST /_test/clock/advance` `{"seconds": N}` or `{"to": unix_ts}`; `GET /_test/clock`;
- `POST /_test/checkout/sessions/{id}/complete` (`payment_method`, default `pm_card_visa`);
- `POST /_test/customers/{id}/card` (`payment_method`): the card the next charges use;
- `POST /_test/webhooks/delay` `{"seconds": 0.05}`: delay before each event is delivered
  (default `LOCALSTRIPE_WEBHOOK_DELAY` or 1 s), deliveries stay in creation order; a delivery
  answered other than 2xx (or not at all) is retried 4 times over 7.5 s in the background;
  `GET /_test/webhooks`: the delay and how many events are still to deliver (retries included).
`DELETE /_config/data` also resets the clock and forgets the webhook endpoints.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import aiohttp
from localstripe import webhooks
from localstripe.errors import UserError
from localstripe.resources import Event, extra_apis, try_convert_to_bool, try_convert_to_int
from localstripe.webhooks import schedule_webhook

Json = dict[str, Any]

_state: dict[str, Any] = {
    "delay": float(os.environ.get("LOCALSTRIPE_WEBHOOK_DELAY", "1")),
    "worker": None,
    "in_flight": 0,
    "retrying": 0,
}
RETRY_BACKOFF_SECONDS = (0.5, 1.0, 2.0, 4.0)
_retries: set[asyncio.Future[None]] = set()
_pending: deque[tuple[float, str, bytes, int]] = deque()
_held: list[list[Event]] = []
_log = logging.getLogger("aiohttp.access")


class JsonAnswer:
    """A JSON answer for a route in `extra_apis` (they export what they return)."""

    def __init__(self, body: Json) -> None:
        self.body = body

    def _export(self, expand: Any = None) -> Json:
        return self.body


def set_route(method: str, url: str, func: Callable[..., Any]) -> None:
    for index, (m, u, _f) in enumerate(extra_apis):
        if m == method and u == url:
            extra_apis[index] = (method, url, func)
            return
    extra_apis.append((method, url, func))


def public_url() -> str:
    if os.environ.get("LOCALSTRIPE_PUBLIC_URL"):
        return os.environ["LOCALSTRIPE_PUBLIC_URL"].rstrip("/")
    port = "8420"
    if "--port" in sys.argv[:-1]:
        port = sys.argv[sys.argv.index("--port") + 1]
    return f"http://127.0.0.1:{port}"


def unexpected(kwargs: Json) -> None:
    if kwargs:
        raise UserError(400, "Received unknown parameter: " + ", ".join(sorted(kwargs)))


def as_int(value: Any, name: str, minimum: int | None = None) -> int:
    number = try_convert_to_int(value)
    if type(number) is not int or (minimum is not None and number < minimum):
        raise UserError(400, f"Invalid integer: {name}", {"param": name})
    return number


def as_bool(value: Any, name: str) -> bool:
    flag = try_convert_to_bool(value)
    if type(flag) is not bool:
        raise UserError(400, f"Invalid boolean: {name}", {"param": name})
    return flag


def as_metadata(value: Any) -> Json:
    if value in (None, ""):
        return {}
    if type(value) is not dict:
        raise UserError(400, "Invalid metadata", {"param": "metadata"})
    return {k: v for k, v in value.items() if v != ""}


def merge_metadata(current: Json, update: Any) -> Json:
    if update == "":
        return {}
    if type(update) is not dict:
        raise UserError(400, "Invalid metadata", {"param": "metadata"})
    merged = dict(current)
    for key, value in update.items():
        if value == "":
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def diff(before: Json, after: Json) -> Json:
    """Stripe's `previous_attributes`: the old values of what changed."""
    return {key: before.get(key) for key in after if key not in ("object",) and before.get(key) != after[key]}


def emit(type: str, obj: Any, previous: Json | None = None) -> Event:
    event = Event(type, obj)
    if previous:
        event.data["previous_attributes"] = previous
    schedule_webhook(event)
    return event


@contextmanager
def hold_events() -> Iterator[list[Event]]:
    """Hold the events scheduled inside the block and deliver them when it ends, so the caller can
    put an event it builds afterwards (with the final state) in front of them."""
    held: list[Event] = []
    _held.append(held)
    try:
        yield held
    finally:
        _held.remove(held)
        for event in held:
            schedule_webhook(event)


def _send_webhook(event: Event) -> Any:
    """Replaces localstripe.webhooks._send_webhook: snapshot now, deliver in order, later."""
    if _held:
        _held[-1].append(event)
        return asyncio.sleep(0)
    payload = json.dumps(event._export(), indent=2, sort_keys=True).encode("utf-8")
    _pending.append((time.monotonic() + float(_state["delay"]), event.type, payload, id(event)))
    worker = _state["worker"]
    if worker is None or worker.done():
        _state["worker"] = asyncio.ensure_future(_deliver_all())
    return asyncio.sleep(0)


async def _deliver_all() -> None:
    while _pending:
        due, type, payload, _ = _pending.popleft()
        _state["in_flight"] = 1
        try:
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            for hook in list(webhooks._webhooks.values()):
                if hook.events is None or type in hook.events:
                    await _deliver(hook, type, payload)
        finally:
            _state["in_flight"] = 0


def forget_webhooks() -> None:
    """`DELETE /_config/data`: endpoints, queued deliveries and retries go with the data."""
    webhooks._webhooks.clear()
    _pending.clear()
    for task in list(_retries):
        task.cancel()


async def _deliver(hook: Any, type: str, payload: bytes) -> None:
    """One delivery; a failure is retried in the background, as Stripe does (over days; here
    seconds), without holding up the events behind it."""
    if not await _post(hook, type, payload, attempt=1):
        _state["retrying"] += 1
        task = asyncio.ensure_future(_retry(hook, type, payload))
        _retries.add(task)
        task.add_done_callback(_retries.discard)


async def _retry(hook: Any, type: str, payload: bytes) -> None:
    try:
        for attempt, backoff in enumerate(RETRY_BACKOFF_SECONDS, start=2):
            await asyncio.sleep(backoff)
            if await _post(hook, type, payload, attempt):
                return
    finally:
        _state["retrying"] -= 1


async def _post(hook: Any, type: str, payload: bytes, attempt: int) -> bool:
    import hashlib
    import hmac

    signed_at = int(time.time())  # Stripe signs with the delivery time, not the event's `created`
    signature = hmac.new(hook.secret.encode(), b"%d.%s" % (signed_at, payload), hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json; charset=utf-8", "Stripe-Signature": f"t={signed_at},v1={signature}"}
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session,
            session.post(hook.url, data=payload, headers=headers) as response,
        ):
            _log.info('webhook "%s" delivered (attempt %d): %d', type, attempt, response.status)
            return response.status < 300
    except (aiohttp.ClientError, TimeoutError) as error:
        _log.info('webhook "%s" failed (attempt %d): %s', type, attempt, error)
        return False


def _set_delay(seconds: Any = None, **kwargs: Any) -> JsonAnswer:
    unexpected(kwargs)
    try:
        delay = float(seconds)
    except (TypeError, ValueError):
        raise UserError(400, "seconds must be a number") from None
    if delay < 0:
        raise UserError(400, "seconds must be >= 0")
    _state["delay"] = delay
    return JsonAnswer({"delay": delay})


def _status(**kwargs: Any) -> JsonAnswer:
    pending = len(_pending) + int(_state["in_flight"]) + int(_state["retrying"])
    return JsonAnswer({"delay": _state["delay"], "pending": pending})


def register() -> None:
    """Webhook delivery (retries, delay) and its control routes; the billing resources register
    themselves (devtools.localstripe_ext composes them), so this module imports none of them."""
    webhooks._send_webhook = _send_webhook
    set_route("POST", "/_test/webhooks/delay", _set_delay)
    set_route("GET", "/_test/webhooks", _status)


def emit_updated(sub: Any, before: Json) -> None:
    changes = diff(before, sub._export())
    if changes:
        emit("customer.subscription.updated", sub, changes)
