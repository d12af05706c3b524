"""The user document (`users/{uid}`) that the web app reads: the fields other areas keep there.

Only the Stripe customer of the user today (`stripeCustomerId`, written by the subscriptions
area once, when the user's first customer is created)."""

from __future__ import annotations

from datetime import datetime

from shared.kernel.store import DocumentStore, Transaction

USERS = "users"


def user_path(user_id: str) -> str:
    return f"{USERS}/{user_id}"


def stripe_customer_of(reader: DocumentStore | Transaction, user_id: str) -> str | None:
    found = (reader.get(f"{USERS}/{user_id}") or {}).get("stripeCustomerId")
    return found if isinstance(found, str) else None


def record_stripe_customer(tx: Transaction, user_id: str, customer_id: str, now: datetime) -> None:
    tx.set(f"{USERS}/{user_id}", {"stripeCustomerId": customer_id, "updatedAt": now}, merge=True)
