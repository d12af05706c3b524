"""Bot API answers: ``{"ok": true, "result": ...}`` or
``{"ok": false, "error_code": N, "description": "..."}``, worded as Telegram words them."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

#: the prefix Telegram puts before an error's own text, by error code
ERROR_PREFIXES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
}


class BotApiError(Exception):
    """A refused Bot API call. ``detail`` is the text after the prefix (``chat not found``)
    or ``None`` for the bare prefix (``Unauthorized``)."""

    def __init__(self, code: int, detail: str | None = None, retry_after: int | None = None) -> None:
        self.code = code
        self.detail = detail
        self.retry_after = retry_after
        super().__init__(self.description)

    @property
    def description(self) -> str:
        prefix = ERROR_PREFIXES[self.code]
        return f"{prefix}: {self.detail}" if self.detail else prefix

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body

    def response(self) -> web.Response:
        return _json_response(self.to_json(), status=self.code)


def bad_request(detail: str) -> BotApiError:
    """A 400 ``Bad Request: <detail>``. Telegram lower-cases the first letter of a
    sentence (``message text is empty``) but keeps error names (``MESSAGE_TOO_LONG``)."""
    if len(detail) >= 2 and not (detail[1] == "_" or detail[1].isupper()):
        detail = detail[0].lower() + detail[1:]
    return BotApiError(400, detail)


def ok_response(result: Any, description: str | None = None) -> web.Response:
    """A successful answer; some methods add a ``description`` (``Webhook was set``)."""
    body: dict[str, Any] = {"ok": True, "result": result}
    if description:
        body["description"] = description
    return _json_response(body, status=200)


def _json_response(body: dict[str, Any], status: int) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
        content_type="application/json",
    )
