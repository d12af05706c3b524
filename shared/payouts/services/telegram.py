"""generateTelegramLink (an affiliate) and telegramBotWebhook (Telegram).

A link is a random token in a deep link, stored hashed with an expiry; a new one replaces the
previous. The webhook accepts only Telegram's secret header (constant-time compare), then applies
each update once through the ledger: `/start <token>` consumes the token, links the Telegram
account to the affiliate (an account links to one affiliate only) and credits the bonus once.
The answer to the user is sent after the transaction; when Telegram does not take it, the
webhook answers 5xx and Telegram delivers the update again — the ledger already has it, so only
the message is sent again."""

from __future__ import annotations

import hmac
import json
import logging
import secrets
from collections.abc import Callable
from typing import Any

from shared.affiliates.services import wallet_moves
from shared.kernel.clock import Clock
from shared.kernel.commands import Caller, require_caller
from shared.kernel.errors import FailedPrecondition
from shared.kernel.ledger import apply_once, ledger_path
from shared.kernel.store import DocumentStore, Transaction
from shared.payouts.adapters import telegram_repository
from shared.payouts.domain.telegram import (
    BONUS_CENTS,
    TOKEN_BYTES,
    TOKEN_LIFETIME,
    Start,
    deep_link,
    parse_update,
    reply,
    token_hash,
)
from shared.payouts.ports.telegram import TelegramBot, TelegramUnavailable
from shared.payouts.services.answers import WebhookAnswer

log = logging.getLogger(__name__)


def generate_telegram_link(
    caller: Caller | None,
    *,
    store: DocumentStore,
    clock: Clock,
    bot_username: str,
    new_token: Callable[[], str] = lambda: secrets.token_urlsafe(TOKEN_BYTES),
) -> dict[str, Any]:
    user = require_caller(caller)
    token, now = new_token(), clock.now()
    expires_at = now + TOKEN_LIFETIME

    def issue(tx: Transaction) -> None:
        wallet = wallet_moves.read_wallet(tx, user.uid)
        if wallet.profile.get("telegramStatus") == "linked":
            raise FailedPrecondition("your Telegram account is linked already")
        previous = telegram_repository.current_token(tx, user.uid)
        telegram_repository.replace_token(tx, user.uid, previous, token_hash(token), expires_at, now)

    store.run_transaction(issue)
    return {"url": deep_link(bot_username, token), "expiresAt": expires_at.isoformat()}


def _link(tx: Transaction, start: Start, now: Any) -> str:
    """What `/start <token>` does; the outcome names the reply."""
    hashed = token_hash(start.token)
    token = telegram_repository.read_token(tx, hashed)
    if token is None or token.get("state") != "open" or token["expiresAt"] <= now:
        return "invalid"
    uid = str(token["uid"])
    account = telegram_repository.read_account(tx, start.telegram_id)
    wallet = wallet_moves.read_wallet(tx, uid)
    if account is not None:
        return "already" if account.get("uid") == uid else "taken"
    if wallet.profile.get("telegramStatus") == "linked":
        return "already"
    telegram_repository.consume_token(tx, hashed, start.telegram_id, now)
    telegram_repository.link_account(tx, start.telegram_id, uid, now, {"language": start.language})
    wallet_moves.link_telegram(tx, wallet, start.telegram_id, BONUS_CENTS, now=now)
    return "linked"


def handle_telegram_update(
    secret_header: str | None,
    body: bytes,
    *,
    expected_secret: str,
    store: DocumentStore,
    clock: Clock,
    bot: Callable[[], TelegramBot],
) -> WebhookAnswer:
    if not expected_secret or not hmac.compare_digest((secret_header or "").encode(), expected_secret.encode()):
        return WebhookAnswer(401, {"error": "bad secret token"})
    try:
        parsed = parse_update(json.loads(body))
    except ValueError:
        parsed = None
    if parsed is None:
        return WebhookAnswer(400, {"error": "not a Telegram update"})
    update_id, start = parsed
    if start is None:
        return WebhookAnswer(200, {"ignored": True})
    now = clock.now()
    key = f"telegram_update_{update_id}"

    def apply(tx: Transaction) -> tuple[str, bool]:
        entry: dict[str, Any] = {"kind": "telegram_update", "at": now, "replied": False}

        def effect() -> str:
            entry["outcome"] = _link(tx, start, now)
            return str(entry["outcome"])

        applied, outcome = apply_once(tx, key, effect, entry=entry)
        if applied:
            return str(outcome), False
        recorded = tx.get(ledger_path(key)) or {}
        return str(recorded.get("outcome") or "already"), recorded.get("replied") is True

    outcome, replied = store.run_transaction(apply)
    if replied:
        return WebhookAnswer(200, {"outcome": outcome, "duplicate": True})
    try:
        bot().send_message(start.chat_id, reply(outcome, start.language))
    except TelegramUnavailable as exc:
        log.warning("telegram reply for update %s not sent: %s", update_id, exc)
        return WebhookAnswer(503, {"error": "reply not sent; deliver again"})
    store.set(ledger_path(key), {"replied": True}, merge=True)
    log.info("telegram update %s: %s", update_id, outcome)
    return WebhookAnswer(200, {"outcome": outcome})
