"""Where the subscriptions area keeps its documents: every path, collection and field name of
them is spelled here, and nowhere else in the area.

It is written against the `DocumentStore` port only (no SDK): the services keep depending on
the port the composition root injects, and the repository runs on the in-memory store in unit
tests as on Firestore. The user's `stripeCustomerId` lives in the accounts area's `users`
document and is read and written through that area's service.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.accounts.services import users
from shared.kernel.store import Document, DocumentStore, Transaction
from shared.subscriptions.domain.subscription import Subscription, SubscriptionStatus

SUBSCRIPTIONS = "subscriptions"
PLANS = "subscription_plans"
TRIALS = "trials"
PURCHASES = "subscription_purchases"
SUBSCRIPTION_INDEX = "stripe_subscription_index"
CUSTOMER_INDEX = "stripe_customers"
CUSTOMER_REQUESTS = "stripe_customer_requests"

Reader = DocumentStore | Transaction


# subscriptions/{providerId}
def load(reader: Reader, provider_id: str) -> Subscription:
    return Subscription(provider_id, reader.get(f"{SUBSCRIPTIONS}/{provider_id}"))


def save(writer: Reader, subscription: Subscription) -> None:
    """Write the fields the aggregate changed (merged into the document)."""
    writer.set(f"{SUBSCRIPTIONS}/{subscription.provider_id}", subscription.changes, merge=True)


def past_due_since_before(store: DocumentStore, cutoff: datetime) -> list[str]:
    found = store.find(
        SUBSCRIPTIONS,
        [("status", "==", SubscriptionStatus.PAST_DUE.value), ("pastDueSince", "<=", cutoff)],
        limit=500,
    )
    return [provider_id for provider_id, _ in found]


def trials_ended_by(store: DocumentStore, now: datetime) -> list[str]:
    found = store.find(
        SUBSCRIPTIONS, [("status", "==", SubscriptionStatus.TRIALING.value), ("trialEndsAt", "<=", now)], limit=500
    )
    return [provider_id for provider_id, _ in found]


def with_status(store: DocumentStore, statuses: list[str], *, limit: int = 1000) -> list[Subscription]:
    found = store.find(SUBSCRIPTIONS, [("status", "in", statuses)], limit=limit)
    return [Subscription(provider_id, doc) for provider_id, doc in found]


def next_request_number(tx: Transaction, provider_id: str) -> int:
    """The provider's next Stripe request number (subscription request keys), taken."""
    path = f"{SUBSCRIPTIONS}/{provider_id}"
    number = int((tx.get(path) or {}).get("stripeRequestCount") or 0) + 1
    tx.set(path, {"stripeRequestCount": number}, merge=True)
    return number


# trials/{providerId}: the one free trial
def trial_used(tx: Transaction, provider_id: str) -> bool:
    return tx.get(f"{TRIALS}/{provider_id}") is not None


def record_trial(tx: Transaction, provider_id: str, started: datetime, ends: datetime) -> None:
    tx.create(f"{TRIALS}/{provider_id}", {"startedAt": started, "endsAt": ends})


# subscription_plans/{planId}
def load_plan(reader: Reader, plan_id: str) -> Document:
    return reader.get(f"{PLANS}/{plan_id}") or {}


def replace_plan(tx: Transaction, plan_id: str, doc: Document) -> None:
    tx.set(f"{PLANS}/{plan_id}", doc)


# subscription_purchases/{providerId}: the purchase slot
def purchase_slot(tx: Transaction, provider_id: str) -> Document:
    return tx.get(f"{PURCHASES}/{provider_id}") or {}


def write_purchase_slot(tx: Transaction, provider_id: str, fields: dict[str, Any]) -> None:
    tx.set(f"{PURCHASES}/{provider_id}", fields, merge=True)


# Which provider a Stripe subscription or customer is for (the webhooks' indexes)
def index_subscription(tx: Transaction, subscription_id: object, provider_id: str) -> None:
    tx.set(f"{SUBSCRIPTION_INDEX}/{subscription_id}", {"providerId": provider_id})


def index_customer(tx: Transaction, customer_id: object, provider_id: str) -> None:
    tx.set(f"{CUSTOMER_INDEX}/{customer_id}", {"providerId": provider_id})


def indexed_provider(tx: Transaction, subscription_id: object, customer_id: object) -> str | None:
    """The provider the subscription's index names, else the customer's."""
    for collection, key in ((SUBSCRIPTION_INDEX, subscription_id), (CUSTOMER_INDEX, customer_id)):
        if not isinstance(key, str) or not key:
            continue
        index = tx.get(f"{collection}/{key}")
        if index and isinstance(index.get("providerId"), str):
            return str(index["providerId"])
    return None


# The Stripe customer of a user (`users/{uid}.stripeCustomerId`) and its reservation
def customer_of(reader: Reader, user_id: str) -> str | None:
    return users.stripe_customer_of(reader, user_id)


def customer_request(tx: Transaction, user_id: str) -> Document | None:
    return tx.get(f"{CUSTOMER_REQUESTS}/{user_id}")


def reserve_customer(tx: Transaction, user_id: str, lease_until: datetime, now: datetime) -> None:
    tx.set(f"{CUSTOMER_REQUESTS}/{user_id}", {"leaseUntil": lease_until, "createdAt": now})


def let_customer_reservation_go(store: DocumentStore, user_id: str) -> None:
    store.set(f"{CUSTOMER_REQUESTS}/{user_id}", {"leaseUntil": None}, merge=True)


def record_customer(tx: Transaction, user_id: str, customer_id: str, now: datetime, *, first: bool) -> None:
    """The user's customer (kept when it already has one, `first` false), its index, and the
    reservation answered."""
    if first:
        users.record_stripe_customer(tx, user_id, customer_id, now)
    index_customer(tx, customer_id, user_id)
    tx.set(f"{CUSTOMER_REQUESTS}/{user_id}", {"customerId": customer_id, "leaseUntil": None})
