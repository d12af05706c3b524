"""The Telegram bot, as the payouts area uses it."""

from __future__ import annotations

from abc import ABC, abstractmethod


class TelegramUnavailable(Exception):
    """Telegram did not take the message (network, 5xx, 429): the update should be retried."""


class TelegramBot(ABC):
    @abstractmethod
    def send_message(self, chat_id: int, text: str) -> None:
        """Send `text` to a chat; raises TelegramUnavailable when Telegram did not take it."""
