"""Telegram onboarding documents: `telegram_link_tokens/{tokenHash}` (one-time links, only the
hash stored; the affiliate's current one in `telegram_links/{uid}`) and
`telegram_accounts/{telegramId}` (which affiliate a Telegram account is linked to, once)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.kernel.store import Collection, Document, Transaction

TOKENS = Collection("telegram_link_tokens")
LINKS = Collection("telegram_links")
ACCOUNTS = Collection("telegram_accounts")

token_path = TOKENS.doc
link_path = LINKS.doc
account_path = ACCOUNTS.doc


def current_token(tx: Transaction, uid: str) -> str | None:
    doc = tx.get(link_path(uid)) or {}
    return doc.get("tokenHash")


def replace_token(
    tx: Transaction, uid: str, old_hash: str | None, new_hash: str, expires_at: datetime, now: datetime
) -> None:
    """The new link; the previous one stops working."""
    if old_hash:
        tx.update(token_path(old_hash), {"state": "replaced", "updatedAt": now})
    tx.create(token_path(new_hash), {"uid": uid, "state": "open", "expiresAt": expires_at, "createdAt": now})
    tx.set(link_path(uid), {"uid": uid, "tokenHash": new_hash, "updatedAt": now}, merge=True)


def read_token(tx: Transaction, token_hash: str) -> Document | None:
    return tx.get(token_path(token_hash))


def consume_token(tx: Transaction, token_hash: str, telegram_id: int, now: datetime) -> None:
    tx.update(token_path(token_hash), {"state": "used", "usedAt": now, "telegramId": telegram_id})


def read_account(tx: Transaction, telegram_id: int) -> Document | None:
    return tx.get(account_path(telegram_id))


def link_account(tx: Transaction, telegram_id: int, uid: str, now: datetime, extra: dict[str, Any]) -> None:
    tx.create(account_path(telegram_id), {"telegramId": telegram_id, "uid": uid, "linkedAt": now, **extra})
