"""One webhook request as Telegram makes it: a JSON POST of the update, with
``X-Telegram-Bot-Api-Secret-Token`` when the bot set a secret, no ``User-Agent``, no
redirects followed; the outcome worded as ``getWebhookInfo`` words it
(``Wrong response from the webhook: 500 Internal Server Error``, ``Connection refused``,
``Read timeout expired``)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import aiohttp

from devtools.telegram_sim.models import Update
from devtools.telegram_sim.parameters import json_object_arguments
from devtools.telegram_sim.responses import BotApiError
from devtools.telegram_sim.webhook import webhook_url

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
#: a Bot API method named in a webhook's answer, and its arguments
ReplyCall = tuple[str, dict[str, str]]


@dataclass
class Attempt:
    """One POST of an update to the webhook."""

    number: int
    url: str
    secret_header: str | None
    fault: str | None
    started_at: float
    status: int | None = None
    error: str | None = None
    retry_after: int | None = None
    duration_ms: int = 0
    #: the method the webhook answered with, and how it went
    reply: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "url": self.url,
            "status": self.status,
            "error": self.error,
            "secret_header": self.secret_header,
            "fault": self.fault,
            "retry_after": self.retry_after,
            "started_at": round(self.started_at, 3),
            "duration_ms": self.duration_ms,
            "reply": self.reply,
        }


class WebhookClient:
    """The HTTP client that talks to the bot's webhook (one keep-alive session)."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def post(self, attempt: Attempt, update: Update) -> ReplyCall | None:
        """Send ``update`` as ``attempt`` describes (URL, secret header) and fill in how it
        went; the Bot API call the webhook answered with, if any."""
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        headers = {"Content-Type": "application/json", "Accept-Encoding": "gzip, deflate"}
        if attempt.secret_header is not None:
            headers[SECRET_HEADER] = attempt.secret_header
        body = json.dumps(update.to_json(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        began = time.monotonic()
        reply = None
        try:
            url = webhook_url(attempt.url)
            async with self._session.post(
                url, data=body, headers=headers, allow_redirects=False, skip_auto_headers=("User-Agent",)
            ) as response:
                content = await response.read()
                attempt.status = response.status
                if attempt.ok:
                    reply = reply_call(response.content_type, content)
                else:
                    attempt.error = f"Wrong response from the webhook: {response.status} {response.reason}"
                    retry_after = response.headers.get("Retry-After", "")
                    attempt.retry_after = int(retry_after) if retry_after.isdigit() else None
        except TimeoutError:
            attempt.error = "Read timeout expired"
        except aiohttp.ClientConnectorError as exc:
            refused = isinstance(exc.os_error, ConnectionRefusedError)
            attempt.error = "Connection refused" if refused else f"Failed to connect: {exc.os_error.strerror or exc}"
        except (aiohttp.ClientError, BotApiError):
            attempt.error = "Webhook connection closed"
        attempt.duration_ms = round((time.monotonic() - began) * 1000)
        return reply


def reply_call(content_type: str, content: bytes) -> ReplyCall | None:
    """A Bot API call in a webhook's 2xx answer (JSON object or form with ``method``).
    As on Telegram, ``get…``, ``setWebhook``, ``deleteWebhook``, ``close`` and ``logOut``
    are not run; a body that is not a call is ignored."""
    arguments: dict[str, str] = {}
    try:
        if content_type == "application/json" and content.strip():
            arguments = json_object_arguments(content)
        elif content_type == "application/x-www-form-urlencoded":
            arguments = dict(parse_qsl(content.decode("utf-8"), keep_blank_values=True))
    except (BotApiError, UnicodeDecodeError):
        return None
    method = arguments.pop("method", "")
    name = method.lower()
    if not name or name.startswith("get") or name in ("setwebhook", "deletewebhook", "close", "logout"):
        return None
    return method, arguments
