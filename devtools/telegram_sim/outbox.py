"""What the bot sends: ``sendMessage`` checked as Telegram checks it (text and
markup, reply markup, then the chat), and the record of every message sent."""

from __future__ import annotations

import json
from typing import Any

from devtools.telegram_sim.message_text import check_sendable, format_message_text
from devtools.telegram_sim.models import BotIdentity, SentMessage, TelegramUser
from devtools.telegram_sim.parameters import leading_integer
from devtools.telegram_sim.responses import BotApiError, bad_request
from devtools.telegram_sim.users import UserDirectory


class Outbox:
    """Every message the bot sent, in order."""

    def __init__(self, bot: BotIdentity, users: UserDirectory) -> None:
        self.bot = bot
        self.users = users
        self.messages: list[SentMessage] = []

    def reset(self) -> None:
        self.messages.clear()

    def for_chat(self, chat_id: int | None) -> list[SentMessage]:
        return [m for m in self.messages if chat_id is None or m.chat["id"] == chat_id]

    def send_message(self, arguments: dict[str, str], via: str) -> SentMessage:
        """``sendMessage``: ``chat_id``, ``text`` and optionally ``parse_mode`` and
        ``reply_markup`` (other options are accepted and ignored)."""
        text = arguments.get("text", "")
        parse_mode = arguments.get("parse_mode") or None
        formatted = format_message_text(text, parse_mode)
        reply_markup = _reply_markup(arguments.get("reply_markup", ""))
        user = self._private_chat(arguments.get("chat_id", ""))
        check_sendable(formatted)
        message = SentMessage(
            message_id=user.next_message_id(),
            chat=user.chat_json(),
            sender=self.bot.user_json(),
            text=formatted.text,
            entities=formatted.entities,
            raw_text=text,
            parse_mode=parse_mode,
            reply_markup=reply_markup,
            via=via,
        )
        self.messages.append(message)
        return message

    def _private_chat(self, chat_id: str) -> TelegramUser:
        """The user whose private chat ``chat_id`` names, if the bot may write there."""
        chat_id = chat_id.strip()
        if not chat_id:
            raise bad_request("chat_id is empty")
        number = 0 if chat_id.startswith("@") else leading_integer(chat_id)
        if number == self.bot.id:
            raise BotApiError(403, "bots can't send messages to bots")
        user = self.users.users.get(number)
        if user is None:
            raise bad_request("chat not found")
        if user.blocked:
            raise BotApiError(403, "bot was blocked by the user")
        if not user.started:
            raise BotApiError(403, "bot can't initiate conversation with a user")
        return user


def _reply_markup(raw: str) -> dict[str, Any] | None:
    if not raw:
        return None
    try:
        markup = json.loads(raw)
    except json.JSONDecodeError:
        markup = None
    if not isinstance(markup, dict):
        raise bad_request("Can't parse reply keyboard markup JSON object")
    return markup
