"""The people who talk to the bot: created through the control API, each with a
private chat, and the messages they send (the Start button of a deep link, or text)."""

from __future__ import annotations

import re
from typing import Any

from devtools.telegram_sim.markup import utf16_length
from devtools.telegram_sim.models import TelegramUser, unix_now

#: the ``start`` parameter of ``https://t.me/<bot>?start=<payload>`` (Telegram's rule)
START_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")
USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,30}[A-Za-z0-9]")
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")
#: a command at the start of a message: ``/start`` or ``/start@some_bot``
LEADING_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]{5,32})?(?=\s|$)")
FIRST_AUTO_USER_ID = 1_000_000_001
MAX_USER_ID = (1 << 52) - 1
MAX_NAME_LENGTH = 64
MAX_TEXT_LENGTH = 4096


class UserError(Exception):
    """A control request about users that cannot be done: HTTP ``status`` and why."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message
        super().__init__(message)


def _optional_text(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise UserError(400, f"{key} must be a non-empty string or absent")
    if len(value) > MAX_NAME_LENGTH:
        raise UserError(400, f"{key} is at most {MAX_NAME_LENGTH} characters")
    return value


def command_entities(text: str) -> list[dict[str, Any]]:
    """The ``bot_command`` entity Telegram marks at the start of ``/command …``."""
    match = LEADING_COMMAND.match(text)
    if not match:
        return []
    return [{"offset": 0, "length": utf16_length(match.group(0)), "type": "bot_command"}]


class UserDirectory:
    """Every simulated user, by id (= the id of their private chat with the bot)."""

    def __init__(self, bot_id: int) -> None:
        self.bot_id = bot_id
        self.users: dict[int, TelegramUser] = {}
        self._next_id = FIRST_AUTO_USER_ID

    def reset(self) -> None:
        self.users.clear()
        self._next_id = FIRST_AUTO_USER_ID

    def create(self, body: Any) -> TelegramUser:
        """A new user from ``{id?, first_name, last_name?, username?, language_code?}``."""
        if not isinstance(body, dict):
            raise UserError(400, "body must be a JSON object")
        unknown = set(body) - {"id", "first_name", "last_name", "username", "language_code"}
        if unknown:
            raise UserError(400, f"unknown user fields: {sorted(unknown)}")
        first_name = _optional_text(body, "first_name")
        if first_name is None:
            raise UserError(400, "first_name is required")
        username = _optional_text(body, "username")
        if username is not None:
            if not USERNAME.fullmatch(username):
                raise UserError(400, "username: 5-32 characters of A-Z a-z 0-9 _, starting with a letter")
            if any((u.username or "").lower() == username.lower() for u in self.users.values()):
                raise UserError(409, f"username {username} is taken")
        language_code = _optional_text(body, "language_code")
        if language_code is not None and not LANGUAGE_CODE.fullmatch(language_code):
            raise UserError(400, "language_code must be an IETF language tag such as fr or pt-br")
        user = TelegramUser(
            id=self._user_id(body.get("id")),
            first_name=first_name,
            last_name=_optional_text(body, "last_name"),
            username=username,
            language_code=language_code,
        )
        self.users[user.id] = user
        return user

    def _user_id(self, value: Any) -> int:
        if value is None:
            while self._next_id in self.users or self._next_id == self.bot_id:
                self._next_id += 1
            return self._next_id
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_USER_ID:
            raise UserError(400, f"id must be an integer from 1 to {MAX_USER_ID}")
        if value in self.users or value == self.bot_id:
            raise UserError(409, f"user {value} already exists")
        return value

    def get(self, user_id: str | int) -> TelegramUser:
        try:
            user = self.users.get(int(user_id))
        except ValueError:
            user = None
        if user is None:
            raise UserError(404, f"no user {user_id}")
        return user

    # -- what users send -------------------------------------------------------------
    def press_start(self, user: TelegramUser, payload: Any) -> dict[str, Any]:
        """The message of the Start button; ``payload`` from the deep link, or ``None``
        for a plain Start. Pressing Start also unblocks the bot."""
        if payload is not None and (not isinstance(payload, str) or not START_PAYLOAD.fullmatch(payload)):
            raise UserError(400, "payload must be 1-64 characters of A-Z a-z 0-9 _ - (Telegram's deep-link rule)")
        user.started, user.blocked = True, False
        text = f"/start {payload}" if payload else "/start"
        return self._message(user, text, [{"offset": 0, "length": 6, "type": "bot_command"}])

    def send_text(self, user: TelegramUser, text: Any) -> dict[str, Any]:
        """An ordinary message typed by the user (after Start, as the app requires)."""
        if not isinstance(text, str) or not text.strip():
            raise UserError(400, "text must be a non-empty string")
        text = text.strip()
        if utf16_length(text) > MAX_TEXT_LENGTH:
            raise UserError(400, f"text is at most {MAX_TEXT_LENGTH} UTF-16 code units")
        if not user.started or user.blocked:
            raise UserError(409, "the user has not started the bot (or blocked it): the app shows only a Start button")
        return self._message(user, text, command_entities(text))

    def _message(self, user: TelegramUser, text: str, entities: list[dict[str, Any]]) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": user.next_message_id(),
            "from": user.user_json(),
            "chat": user.chat_json(),
            "date": unix_now(),
            "text": text,
        }
        if entities:
            message["entities"] = entities
        return message
