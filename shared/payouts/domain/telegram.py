"""Telegram onboarding: an affiliate opens a one-time deep link `t.me/<bot>?start=<token>`; the
bot's `/start <token>` links that Telegram account to the affiliate (one to one) and earns the
$50 bonus once, locked until $150 of commissions became available. The token is random, at most
64 characters of `A-Za-z0-9_-` (Telegram's start parameter), and only its hash is stored."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

TOKEN_BYTES = 24  # 32 characters once url-safe encoded
TOKEN_LIFETIME = timedelta(hours=24)
BONUS_CENTS = 5_000
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def token_hash(token: str) -> str:
    return hashlib.sha256(f"telegram-link:{token}".encode()).hexdigest()


def deep_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={token}"


@dataclass(frozen=True)
class Start:
    """`/start <token>` sent to the bot in a private chat."""

    update_id: int
    telegram_id: int
    chat_id: int
    language: str
    token: str


def parse_update(update: Any) -> tuple[int, Start | None] | None:
    """(update_id, the start command if it is one); None when it is no Telegram update at all."""
    if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
        return None
    update_id = int(update["update_id"])
    message = update.get("message")
    if not isinstance(message, dict):
        return update_id, None
    text, sender, chat = message.get("text"), message.get("from"), message.get("chat")
    if not isinstance(text, str) or not isinstance(sender, dict) or not isinstance(chat, dict):
        return update_id, None
    parts = text.strip().split()
    if len(parts) != 2 or parts[0].split("@")[0] != "/start" or not _TOKEN.match(parts[1]):
        return update_id, None
    if not isinstance(sender.get("id"), int) or not isinstance(chat.get("id"), int) or chat.get("type") != "private":
        return update_id, None
    language = str(sender.get("language_code") or "en")[:2].lower()
    return update_id, Start(update_id, int(sender["id"]), int(chat["id"]), language, parts[1])


REPLIES = {
    "linked": {
        "fr": "Votre compte Telegram est relié à SOS-Expat. Votre bonus de 50 $ sera débloqué dès 150 $ "
        "de commissions.",
        "en": "Your Telegram account is linked to SOS-Expat. Your $50 bonus unlocks once $150 of commissions "
        "are available.",
        "es": "Tu cuenta de Telegram está vinculada a SOS-Expat. Tu bono de 50 $ se desbloquea con 150 $ "
        "de comisiones.",
    },
    "already": {
        "fr": "Ce compte Telegram est déjà relié à SOS-Expat.",
        "en": "This Telegram account is already linked to SOS-Expat.",
        "es": "Esta cuenta de Telegram ya está vinculada a SOS-Expat.",
    },
    "invalid": {
        "fr": "Ce lien n'est plus valable : demandez-en un nouveau dans votre espace affilié.",
        "en": "This link is no longer valid: ask for a new one in your affiliate space.",
        "es": "Este enlace ya no es válido: pide uno nuevo en tu espacio de afiliado.",
    },
    "taken": {
        "fr": "Ce compte Telegram est déjà relié à un autre affilié.",
        "en": "This Telegram account is already linked to another affiliate.",
        "es": "Esta cuenta de Telegram ya está vinculada a otro afiliado.",
    },
}


def reply(outcome: str, language: str) -> str:
    texts = REPLIES[outcome]
    return texts.get(language, texts["en"])
