"""Stripe's idempotency keys on localstripe, and a switch that makes the next requests fail.

Idempotency (POST /v1/... with an `Idempotency-Key` header), as Stripe does it:
- the first answer for a key (per API key) is saved, status and body, once the endpoint began
  executing: 2xx, 402 (a declined card) and 5xx are saved; parameter errors (other 4xx) are not,
  so they can be retried;
- the same key with the same method, path and parameters replays the saved answer byte for byte
  (header `Idempotent-Replayed: true`) and does nothing else: no object changes, no event;
- the same key on another endpoint, or with other parameters, answers 400 `idempotency_error`;
  while the first request runs, another with its key answers 409 `idempotency_error`;
- keys are forgotten 24 h (of the local clock, see localstripe_clock) after their first use,
  and by `DELETE /_config/data`.
Every /v1 answer carries a `Request-Id`; the events a request causes carry it (and its key) in
their `request` field.

Fault switch (local only, authenticated with any `sk_` key like the other `/_test` routes):
- `POST /_test/faults` `{"path": "/v1/payment_intents/{id}/capture", "status": 500, "times": 1}`
  (optional `"method": "POST"`, default any method): the next `times` requests whose path matches
  (`{name}` matches one path segment) answer `status` (5xx) with an `api_error` body and
  `Stripe-Should-Retry: false`, without doing anything. Like any answer, it is saved under the
  request's idempotency key: a retry with that key gets the 5xx again, a new key goes through.
- `GET /_test/faults`: the faults still armed. `DELETE /_config/data` disarms them all.
"""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from localstripe.errors import UserError
from localstripe.resources import Store, random_id

from devtools.localstripe_billing import JsonAnswer, as_int, set_route, unexpected
from devtools.localstripe_clock import now
from devtools.localstripe_events import current_request

KEY_LIFETIME_SECONDS = 24 * 3600
MAX_KEY_LENGTH = 255
SAVED_CLIENT_ERRORS = {402}
REPLAYED_HEADERS = ("Content-Type", "Request-Id", "Idempotency-Key", "Stripe-Should-Retry")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_log = logging.getLogger("aiohttp.access")


@dataclass(frozen=True)
class Saved:
    endpoint: tuple[str, str]
    params: Any
    status: int
    body: bytes
    headers: dict[str, str]
    saved_at: int


@dataclass
class Fault:
    path: str
    pattern: re.Pattern[str]
    status: int
    remaining: int
    method: str | None

    def matches(self, request: web.Request) -> bool:
        if self.method is not None and self.method != request.method:
            return False
        return self.remaining > 0 and self.pattern.fullmatch(request.path) is not None

    def describe(self) -> dict[str, Any]:
        return {"path": self.path, "status": self.status, "times": self.remaining, "method": self.method}


_saved: dict[tuple[str, str], Saved] = {}
_in_flight: set[tuple[str, str]] = set()
_faults: list[Fault] = []


def _error(status: int, type: str, message: str, headers: dict[str, str] | None = None) -> web.Response:
    body = json.dumps({"error": {"type": type, "message": message}}, indent=2, sort_keys=True) + "\n"
    return web.Response(text=body, status=status, content_type="application/json", headers=headers)


def _api_key(request: web.Request) -> str:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme == "Bearer":
        return value
    if scheme == "Basic":
        try:
            return base64.b64decode(value).decode().split(":")[0]
        except (ValueError, UnicodeDecodeError):
            return ""
    return ""


async def _params(request: web.Request) -> Any:
    """The request's parameters in a comparable form (order of form fields does not matter)."""
    raw = await request.read()
    if request.content_type == "application/json":
        try:
            return json.dumps(json.loads(raw or b"null"), sort_keys=True)
        except ValueError:
            return raw
    return tuple(sorted(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)))


async def _execute(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The endpoint's answer, errors included, as a response (so it can be saved)."""
    response = await _answer(request, handler)
    response.headers["Request-Id"] = (current_request.get() or {}).get("id") or ""
    return response


async def _answer(request: web.Request, handler: Handler) -> web.StreamResponse:
    for fault in _faults:
        if fault.matches(request):
            fault.remaining -= 1
            _log.info("fault injected: %s %s answers %d", request.method, request.path, fault.status)
            message = f"An error occurred while processing your request (local fault on {fault.path})."
            return _error(fault.status, "api_error", message, {"Stripe-Should-Retry": "false"})
    try:
        return await handler(request)
    except UserError as error:
        refused: web.StreamResponse = error.to_response()
        return refused
    except web.HTTPException:
        raise
    except Exception:
        _log.exception("%s %s failed", request.method, request.path)
        return _error(500, "api_error", "An unknown error occurred")


def _expire() -> None:
    horizon = now() - KEY_LIFETIME_SECONDS
    for scope in [scope for scope, saved in _saved.items() if saved.saved_at <= horizon]:
        del _saved[scope]


def _replay(saved: Saved) -> web.Response:
    return web.Response(body=saved.body, status=saved.status, headers={**saved.headers, "Idempotent-Replayed": "true"})


async def _keyed(request: web.Request, handler: Handler, key: str) -> web.StreamResponse:
    if len(key) > MAX_KEY_LENGTH:
        return _error(
            400, "invalid_request_error", f"Idempotency keys can be at most {MAX_KEY_LENGTH} characters long."
        )
    scope = (_api_key(request), key)
    endpoint = (request.method, request.path)
    params = await _params(request)
    _expire()
    saved = _saved.get(scope)
    if saved is not None:
        if saved.endpoint != endpoint:
            return _error(
                400,
                "idempotency_error",
                f"Keys for idempotent requests can only be used for the same endpoint they were first used for "
                f"('{saved.endpoint[1]}'). Try using a key other than '{key}' if you meant to execute a different "
                "request.",
            )
        if saved.params != params:
            return _error(
                400,
                "idempotency_error",
                "Keys for idempotent requests can only be used with the same parameters they were first used with. "
                f"Try using a key other than '{key}' if you meant to execute a different request.",
            )
        return _replay(saved)
    if scope in _in_flight:
        return _error(
            409,
            "idempotency_error",
            f"There is currently another in-progress request using this Idempotency-Key ('{key}'); retry later.",
        )
    _in_flight.add(scope)
    try:
        response = await _execute(request, handler)
    finally:
        _in_flight.discard(scope)
    response.headers["Idempotency-Key"] = key
    status = response.status
    body = response.body if isinstance(response, web.Response) else None
    if isinstance(body, bytes | bytearray) and (status < 400 or status >= 500 or status in SAVED_CLIENT_ERRORS):
        headers = {name: response.headers[name] for name in REPLAYED_HEADERS if name in response.headers}
        _saved[scope] = Saved(endpoint, params, status, bytes(body), headers, now())
    return response


@web.middleware
async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith("/v1/"):
        return await handler(request)
    key = request.headers.get("Idempotency-Key") if request.method == "POST" else None
    request_id = "req_" + random_id(14)
    token = current_request.set({"id": request_id, "idempotency_key": key})
    try:
        if key is None:
            response = await _execute(request, handler)
        else:
            response = await _keyed(request, handler, key)
    finally:
        current_request.reset(token)
    response.headers.setdefault("Request-Id", request_id)
    return response


def _arm(path: Any = None, status: Any = None, times: Any = 1, method: Any = None, **kwargs: Any) -> JsonAnswer:
    unexpected(kwargs)
    if not isinstance(path, str) or not path.startswith("/v1/"):
        raise UserError(400, "path must be an API path such as /v1/payment_intents/{id}/capture")
    code = as_int(status, "status")
    if not 500 <= code <= 599:
        raise UserError(400, "status must be a 5xx code", {"param": "status"})
    if method is not None and method not in ("GET", "POST", "DELETE"):
        raise UserError(400, "method must be GET, POST or DELETE", {"param": "method"})
    pattern = re.compile("".join(r"[^/]+" if part.startswith("{") else re.escape(part) for part in _parts(path)))
    fault = Fault(path, pattern, code, as_int(times, "times", 1), method)
    _faults.append(fault)
    return JsonAnswer({"object": "local_fault", **fault.describe()})


def _parts(path: str) -> list[str]:
    return [part for part in re.split(r"(\{[^/{}]+\})", path) if part]


def _armed(**kwargs: Any) -> JsonAnswer:
    return JsonAnswer({"object": "list", "data": [fault.describe() for fault in _faults if fault.remaining > 0]})


def forget() -> None:
    _saved.clear()
    _in_flight.clear()
    _faults.clear()


def register() -> None:
    """Routes and the data reset; call after localstripe_billing.register (it replaces Store.clear)."""
    clear = Store.clear

    def _clear(self: Store) -> None:
        clear(self)
        forget()

    Store.clear = _clear  # type: ignore[method-assign]
    set_route("POST", "/_test/faults", _arm)
    set_route("GET", "/_test/faults", _armed)


def install(app: web.Application) -> None:
    """Innermost middleware (after authentication), before the server starts."""
    app.middlewares.append(middleware)
