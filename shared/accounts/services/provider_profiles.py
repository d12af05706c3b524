"""A provider's two documents: the public listing and the private account.

`sos_profiles/{uid}` is readable by anyone while `isVisible` (the web app lists providers
from it), so it holds only what the app shows: names, type, languages, specialties, bio,
ratings, `completedCalls`, availability (`availability`, `isOnline`), `approvalStatus`,
`isVisible`, `priceOverrides`, and `linkedProfileIds`/`shareBusyStatus` (the same person's
other profile, which the app may link to). `sos_profiles/{uid}/private/account` holds what only
the provider and admins read (firestore.rules; no client writes): e-mail, sealed phone, Stripe
account id, earnings, missed calls and the current call (`currentCallSessionId`, `busySince`,
`busyBecauseOf`, `offlineReason`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from shared.accounts.services.users import user_path
from shared.kernel.store import Collection, Document, DocumentStore, Transaction

PROFILES = Collection("sos_profiles")
# The profile types (or, on older documents, roles) of providers.
PROVIDER_TYPES = frozenset({"lawyer", "expat", "expat_aidant"})
PRIVATE_FIELDS = frozenset(
    {
        "email",
        "paypalEmail",
        "phoneSealed",
        "phoneNumber",
        "stripeAccountId",
        "kycStatus",
        "canReceiveTransfers",
        "kycUpdatedAt",
        "kycAsOf",
        "paypalAccountStatus",
        "earningsByCurrency",
        "missedCalls",
        "currentCallSessionId",
        "busySince",
        "busyBecauseOf",
        "offlineReason",
    }
)


ACTION_LOGS = "provider_action_logs"


def action_log_path(uid: str, action: str, at_key: str) -> str:
    """One row per (provider, action, occasion): a retried action writes the same row."""
    return f"{ACTION_LOGS}/{uid}_{action}_{at_key}"


profile_path = PROFILES.doc


def account_path(uid: str) -> str:
    return f"{PROFILES}/{uid}/private/account"


def split_profile(data: Document) -> tuple[Document, Document]:
    """(public fields, private fields) of one provider's data."""
    public = {k: v for k, v in data.items() if k not in PRIVATE_FIELDS}
    private = {k: v for k, v in data.items() if k in PRIVATE_FIELDS}
    return public, private


def write_profile(store: DocumentStore, uid: str, data: Document, *, merge: bool = False) -> None:
    """Write a provider's data (seed and tests): each field to the document it belongs to."""
    public, private = split_profile(data)
    store.set(profile_path(uid), public, merge=merge)
    store.set(account_path(uid), private, merge=merge)


def read_account(store: DocumentStore, uid: str) -> Document:
    return store.get(account_path(uid)) or {}


def tx_read_account(tx: Transaction, uid: str) -> Document:
    return tx.get(account_path(uid)) or {}


def find_provider(store: DocumentStore, uid: str) -> Document | None:
    """The provider's profile: `sos_profiles` (with the e-mail of its private account), else the
    older `users`, then `providers` document, the first whose `type` (or `role`) is a provider's;
    None for anyone else."""
    for path in (profile_path(uid), user_path(uid), f"providers/{uid}"):
        doc = store.get(path)
        if doc is not None and str(doc.get("type") or doc.get("role")) in PROVIDER_TYPES:
            return {**doc, "email": read_account(store, uid).get("email")} if path == profile_path(uid) else doc
    return None


def move_private_fields(store: DocumentStore, uid: str) -> list[str]:
    """Migration of one profile: private fields still on the public document move to the
    account document (which keeps its own newer values), in one transaction. Returns the
    fields moved; nothing is written when there are none."""

    def move(tx: Transaction) -> list[str]:
        profile = tx.get(profile_path(uid))
        if profile is None:
            return []
        public, private = split_profile(profile)
        if not private:
            return []
        account = tx.get(account_path(uid)) or {}
        tx.set(account_path(uid), {**private, **account})
        tx.set(profile_path(uid), public)
        return sorted(private)

    moved: list[str] = store.run_transaction(move)
    return moved


def migrate_profiles(store: DocumentStore, uids: Iterable[str], *, apply: bool) -> dict[str, Any]:
    """Move private fields out of every given public profile (`apply=False`: only report)."""
    report: dict[str, list[str]] = {}
    for uid in uids:
        if apply:
            moved = move_private_fields(store, uid)
        else:
            moved = sorted(split_profile(store.get(profile_path(uid)) or {})[1])
        if moved:
            report[uid] = moved
    return {"applied": apply, "profiles": report}


def payout_method_of(reader: DocumentStore | Transaction, uid: str) -> str | None:
    """How a provider is paid (`stripe` or `paypal`), read in the caller's transaction if any."""
    found = (reader.get(profile_path(uid)) or {}).get("payoutMethod")
    return str(found) if found else None
