"""Telegram objects the simulator keeps: the bot, users and their private chats,
updates and the messages the bot sent, rendered as the Bot API renders them."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

#: ``<bot id>:<secret>``, as BotFather issues them (the secret part is free-form here)
TOKEN_PATTERN = re.compile(r"^[1-9][0-9]{0,15}:[A-Za-z0-9_-]+$")
#: every update type the Bot API knows, in its documented order
UPDATE_TYPES = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "message_reaction",
    "message_reaction_count",
    "inline_query",
    "chosen_inline_result",
    "callback_query",
    "shipping_query",
    "pre_checkout_query",
    "purchased_paid_media",
    "poll",
    "poll_answer",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "chat_boost",
    "removed_chat_boost",
)
#: what a bot receives when it never chose: everything but these three
DEFAULT_UPDATE_TYPES = frozenset(UPDATE_TYPES) - {"chat_member", "message_reaction", "message_reaction_count"}


def unix_now() -> int:
    """Telegram dates are whole Unix seconds."""
    return int(time.time())


@dataclass(frozen=True)
class BotIdentity:
    """The simulated bot: its token, its numeric id (the token's prefix) and its @username."""

    token: str
    username: str
    first_name: str = "SOS-Expat (local)"

    def __post_init__(self) -> None:
        if not TOKEN_PATTERN.match(self.token):
            raise ValueError(f"not a bot token (<digits>:<secret>): {self.token!r}")
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{1,28}bot", self.username, re.IGNORECASE):
            raise ValueError(f"a bot username is 5-32 characters and ends in 'bot': {self.username!r}")

    @property
    def id(self) -> int:
        return int(self.token.split(":", 1)[0])

    def user_json(self) -> dict[str, Any]:
        """The bot as the ``from`` of the messages it sends."""
        return {"id": self.id, "is_bot": True, "first_name": self.first_name, "username": self.username}

    def get_me_json(self) -> dict[str, Any]:
        """The ``getMe`` result."""
        return {
            **self.user_json(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def start_link(self, payload: str | None = None) -> str:
        """The deep link that opens the bot (``https://t.me/<username>?start=<payload>``)."""
        return f"https://t.me/{self.username}" + (f"?start={payload}" if payload else "")


@dataclass
class TelegramUser:
    """A person with a private chat with the bot (chat id = user id).

    ``started``: the user pressed Start at least once, so the bot may write to them;
    ``blocked``: the user blocked the bot (pressing Start again unblocks it)."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    started: bool = False
    blocked: bool = False
    #: message ids of the private chat: shared by what the user and the bot send
    last_message_id: int = 0

    def next_message_id(self) -> int:
        self.last_message_id += 1
        return self.last_message_id

    def _names(self) -> dict[str, Any]:
        names: dict[str, Any] = {"first_name": self.first_name}
        if self.last_name:
            names["last_name"] = self.last_name
        if self.username:
            names["username"] = self.username
        return names

    def user_json(self) -> dict[str, Any]:
        """The ``User`` object (``from`` of the user's messages)."""
        body: dict[str, Any] = {"id": self.id, "is_bot": False, **self._names()}
        if self.language_code:
            body["language_code"] = self.language_code
        return body

    def chat_json(self) -> dict[str, Any]:
        """The ``Chat`` object of the private chat with the bot."""
        return {"id": self.id, **self._names(), "type": "private"}

    def control_json(self) -> dict[str, Any]:
        return {
            "user": self.user_json(),
            "chat": self.chat_json(),
            "started": self.started,
            "blocked": self.blocked,
        }


@dataclass
class Update:
    """One incoming update: ``update_id`` and a single field named after its type."""

    update_id: int
    kind: str
    body: dict[str, Any]
    created_at: int = field(default_factory=unix_now)

    def to_json(self) -> dict[str, Any]:
        return {"update_id": self.update_id, self.kind: self.body}


@dataclass
class SentMessage:
    """A message the bot sent (``sendMessage``, or a method returned in a webhook answer)."""

    message_id: int
    chat: dict[str, Any]
    sender: dict[str, Any]
    text: str
    entities: list[dict[str, Any]]
    raw_text: str
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    #: ``bot_api`` or ``webhook_reply``
    via: str
    date: int = field(default_factory=unix_now)

    def message_json(self) -> dict[str, Any]:
        """The ``Message`` object ``sendMessage`` returns."""
        body: dict[str, Any] = {
            "message_id": self.message_id,
            "from": self.sender,
            "chat": self.chat,
            "date": self.date,
            "text": self.text,
        }
        if self.entities:
            body["entities"] = self.entities
        if self.reply_markup is not None and "inline_keyboard" in self.reply_markup:
            body["reply_markup"] = self.reply_markup
        return body

    def control_json(self) -> dict[str, Any]:
        return {
            **self.message_json(),
            "chat_id": self.chat["id"],
            "raw_text": self.raw_text,
            "parse_mode": self.parse_mode,
            "reply_markup": self.reply_markup,
            "via": self.via,
        }
