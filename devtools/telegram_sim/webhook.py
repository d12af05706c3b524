"""The bot's webhook: what ``setWebhook`` accepts (URL, secret token, allowed updates,
max connections), the ``WebhookInfo`` it reports, and the last delivery error."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from yarl import URL

from devtools.telegram_sim.models import DEFAULT_UPDATE_TYPES, UPDATE_TYPES
from devtools.telegram_sim.parameters import integer_argument
from devtools.telegram_sim.responses import bad_request

SECRET_TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]*")
MAX_SECRET_TOKEN_LENGTH = 256
WEBHOOK_PORTS = (80, 88, 443, 8443)
#: hosts a webhook may be served from over plain HTTP, on any port (see :func:`webhook_url`)
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
DEFAULT_MAX_CONNECTIONS = 40


def webhook_url(raw: str) -> URL:
    """The URL ``setWebhook`` accepts, or the 400 Telegram answers.

    Telegram delivers only to ``https://`` URLs on ports 80, 88, 443 or 8443, and
    refuses loopback and private addresses. The simulator feeds a backend that
    listens on ``http://127.0.0.1:<any port>``, so it also accepts ``http://`` and
    ``https://`` URLs whose host is ``127.0.0.1``, ``localhost`` or ``::1``, on any
    port. Every other host follows Telegram's rules (``https`` and the four ports).
    A URL without a scheme is read as ``https://``, as Telegram reads it."""
    text = raw.strip()
    if "://" not in text:
        text = f"https://{text}"
    try:
        url = URL(text)
        port = url.port
    except ValueError:
        raise bad_request("invalid webhook URL specified") from None
    if url.scheme not in ("http", "https") or not url.host or port is None:
        raise bad_request("invalid webhook URL specified")
    if url.host.lower() in LOOPBACK_HOSTS:
        return url
    if url.scheme != "https":
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    if port not in WEBHOOK_PORTS:
        raise bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
    return url


def secret_token(raw: str) -> str:
    """``secret_token``: 1-256 characters of ``A-Z a-z 0-9 _ -``. As on Telegram, an
    empty value (or none) means no secret: no header is sent."""
    if len(raw) > MAX_SECRET_TOKEN_LENGTH:
        raise bad_request("secret token is too long")
    if not SECRET_TOKEN_PATTERN.fullmatch(raw):
        raise bad_request("secret token contains unallowed characters")
    return raw


def allowed_update_types(raw: str) -> frozenset[str] | None:
    """``allowed_updates`` read as Telegram reads it: ``None`` (keep the previous
    choice) when absent or not a JSON array of strings; unknown names are ignored;
    a list naming no known type (``[]``) means the default set."""
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        return None
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        return None
    chosen = frozenset(name.lower() for name in value) & frozenset(UPDATE_TYPES)
    return chosen or DEFAULT_UPDATE_TYPES


@dataclass
class WebhookSettings:
    """The webhook as Telegram stores it for the bot; ``url == ""``: no webhook."""

    url: str = ""
    secret_token: str = ""
    max_connections: int = 0
    last_error_date: int = 0
    last_error_message: str = ""

    @property
    def active(self) -> bool:
        return bool(self.url)

    def same_as(self, url: str, token: str, max_connections: int) -> bool:
        return (self.url, self.secret_token, self.max_connections) == (url, token, max_connections)

    def record_error(self, date: int, message: str) -> None:
        self.last_error_date = date
        self.last_error_message = message

    def info_json(self, pending_update_count: int, allowed_updates: frozenset[str]) -> dict[str, object]:
        """The ``getWebhookInfo`` result (optional fields only when Telegram sends them)."""
        info: dict[str, object] = {
            "url": self.url,
            "has_custom_certificate": False,
            "pending_update_count": pending_update_count,
        }
        if self.last_error_date:
            info["last_error_date"] = self.last_error_date
            info["last_error_message"] = self.last_error_message
        if self.max_connections:
            info["max_connections"] = self.max_connections
        if self.url:
            host = URL(self.url).host or ""
            info["ip_address"] = "127.0.0.1" if host.lower() in LOOPBACK_HOSTS else "<unknown>"
        if allowed_updates != DEFAULT_UPDATE_TYPES:
            info["allowed_updates"] = [name for name in UPDATE_TYPES if name in allowed_updates]
        return info


def read_set_webhook(arguments: dict[str, str]) -> WebhookSettings:
    """The new settings asked by a ``setWebhook`` with a non-empty ``url`` (kept as the
    bot wrote it); raises :class:`~devtools.telegram_sim.responses.BotApiError` as
    Telegram refuses them. A ``certificate`` upload is ignored."""
    webhook_url(arguments["url"])
    token = secret_token(arguments.get("secret_token", ""))
    max_connections = integer_argument(arguments, "max_connections", DEFAULT_MAX_CONNECTIONS, 1, 100)
    return WebhookSettings(url=arguments["url"], secret_token=token, max_connections=max_connections)
