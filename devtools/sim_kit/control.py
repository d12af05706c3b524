"""What the simulators' control APIs share: their error answer and reading a JSON object body."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web


def control_error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def json_object(request: web.Request) -> dict[str, Any] | None:
    """The body as a JSON object (`{}` when there is none); None when it is not one."""
    try:
        body = await request.json() if request.can_read_body else {}
    except json.JSONDecodeError:
        return None
    return body if isinstance(body, dict) else None
