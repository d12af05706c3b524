"""The Telegram Bot API over HTTPS (`sendMessage`), with `requests` (no maintained SDK is needed
for one method); the local simulator when running locally."""

from __future__ import annotations

from typing import Any

from shared.payouts.ports.telegram import TelegramBot, TelegramUnavailable

TIMEOUT_SECONDS = 10


class HttpTelegramBot(TelegramBot):
    def __init__(self, token: str, api_base: str) -> None:
        self._url = f"{api_base.rstrip('/')}/bot{token}"

    def send_message(self, chat_id: int, text: str) -> None:
        import requests

        try:
            response = requests.post(
                f"{self._url}/sendMessage", json={"chat_id": chat_id, "text": text}, timeout=TIMEOUT_SECONDS
            )
        except requests.RequestException as exc:
            raise TelegramUnavailable(f"Telegram unreachable: {type(exc).__name__}") from exc
        body: dict[str, Any] = (
            response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
        )
        if response.status_code == 429 or response.status_code >= 500:
            raise TelegramUnavailable(f"Telegram answered {response.status_code}: {body.get('description')}")
        if not body.get("ok"):
            # 4xx (blocked by the user, chat not found): retrying cannot help; the link stands.
            return
