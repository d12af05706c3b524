"""The user document (`users/{uid}`) that the web app reads: the fields other areas keep there.

The Stripe customer of the user (`stripeCustomerId`, written by the subscriptions area once,
when the user's first customer is created), and the document of an account the server creates
(an affiliate's sign-up)."""

from __future__ import annotations

from datetime import datetime

from shared.kernel.store import Collection, DocumentStore, Transaction

USERS = Collection("users")

user_path = USERS.doc


def stripe_customer_of(reader: DocumentStore | Transaction, user_id: str) -> str | None:
    found = (reader.get(f"{USERS}/{user_id}") or {}).get("stripeCustomerId")
    return found if isinstance(found, str) else None


def record_stripe_customer(tx: Transaction, user_id: str, customer_id: str, now: datetime) -> None:
    tx.set(f"{USERS}/{user_id}", {"stripeCustomerId": customer_id, "updatedAt": now}, merge=True)


def create_user(
    tx: Transaction,
    user_id: str,
    *,
    email: str,
    role: str,
    first_name: str,
    last_name: str,
    country: str,
    language: str,
    now: datetime,
) -> None:
    """The user document of an account created by the server, in the transaction that creates
    the rest of the account (the commit fails if the document exists)."""
    tx.create(
        f"{USERS}/{user_id}",
        {
            "uid": user_id,
            "email": email,
            "role": role,
            "firstName": first_name,
            "lastName": last_name,
            "country": country,
            "language": language,
            "createdAt": now,
            "updatedAt": now,
        },
    )


def uid_by_email(store: DocumentStore, email: str) -> str | None:
    rows = store.find(USERS, [("email", "==", email.strip().lower())], limit=1)
    return rows[0][0] if rows else None
