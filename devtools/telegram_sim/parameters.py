"""How the Bot API reads a method's arguments: from the query string, and from a
JSON object, an URL-encoded form or a multipart form in the body.

Like Telegram, every argument becomes a string: JSON strings as they are, other
JSON values as their JSON text (``12``, ``true``, ``["message"]``); ``null`` is
the same as leaving the argument out. Body arguments win over query arguments.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from devtools.telegram_sim.responses import bad_request

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def json_argument(value: Any) -> str:
    """A JSON value as the string Telegram reads it as."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


async def read_arguments(request: web.Request) -> dict[str, str]:
    """Every argument of a Bot API call, as strings (uploaded files are ignored)."""
    arguments = dict(request.query.items())
    if request.content_type == "application/json":
        raw = await request.read()
        if raw.strip():
            arguments.update(json_object_arguments(raw))
    elif request.content_type in FORM_TYPES:
        form = await request.post()
        arguments.update({key: value for key, value in form.items() if isinstance(value, str)})
    return arguments


def json_object_arguments(raw: bytes) -> dict[str, str]:
    """The arguments of a JSON body, which must be one JSON object."""
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise bad_request("can't parse JSON object") from None
    if not isinstance(data, dict):
        raise bad_request("JSON object expected")
    return {str(key): json_argument(value) for key, value in data.items() if value is not None}


def integer_argument(arguments: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    """An integer argument read the way Telegram reads it: the leading digits of the
    text (garbage reads as 0), then clamped into ``[low, high]``."""
    text = arguments.get(name, "")
    value = leading_integer(text) if text else default
    return max(low, min(high, value))


def leading_integer(text: str) -> int:
    """``"-100abc"`` → -100, ``"abc"`` → 0: C-style ``to_integer``."""
    text = text.strip()
    sign = -1 if text.startswith("-") else 1
    digits = ""
    for char in text.lstrip("+-")[:20]:
        if not char.isdigit():
            break
        digits += char
    return sign * int(digits) if digits else 0


def boolean_argument(arguments: dict[str, str], name: str) -> bool:
    """``true``/``1`` (any case) are true; anything else, or nothing, is false."""
    return arguments.get(name, "").strip().lower() in ("true", "1")
