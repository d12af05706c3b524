"""Users as admins manage them: listed a page at a time, one seen whole (its document, its claims
and whether it is disabled), a role granted or removed, an account disabled or enabled. Disabled:
Firebase Auth refuses its sign-in and its refresh tokens are revoked, `users/{uid}.disabled`
makes every callable refuse it at once (an ID token already issued stays valid up to an hour),
and a provider is hidden until enabled again."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.accounts.ports.directory import AccountDirectory, DirectoryError
from shared.accounts.services.provider_profiles import PROVIDER_TYPES, profile_path
from shared.accounts.services.users import USERS, user_path
from shared.kernel.commands import Caller
from shared.kernel.errors import FailedPrecondition, NotFound, PermissionDenied, Unavailable
from shared.kernel.store import Document, DocumentStore, Transaction

AFFILIATE_ROLES = frozenset({"chatter", "influencer", "blogger", "group_admin"})
ROLES = frozenset({"client"}) | PROVIDER_TYPES | AFFILIATE_ROLES


def _shown(uid: str, doc: Document) -> dict[str, Any]:
    shown = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in doc.items()}
    return {"uid": uid, **shown, "disabled": doc.get("disabled") is True}


def list_users(
    store: DocumentStore,
    *,
    role: str | None,
    status: str | None,
    country: str | None,
    created_after: datetime | None,
    page_size: int,
    page_token: str | None,
) -> dict[str, Any]:
    """Oldest first; `nextPageToken` (the last row's creation time) asks for the next page."""
    filters: list[tuple[str, str, Any]] = []
    if role:
        filters.append(("role", "==", role))
    if status == "disabled":
        filters.append(("disabled", "==", True))  # "active": never disabled has no field, kept below
    if country:
        filters.append(("country", "==", country.upper()))
    after = datetime.fromisoformat(page_token) if page_token else created_after
    rows = store.find(USERS, filters, limit=page_size, order_by="createdAt", start_after=after)
    users = [_shown(uid, doc) for uid, doc in rows if status != "active" or doc.get("disabled") is not True]
    last = rows[-1][1].get("createdAt") if len(rows) == page_size else None
    return {"users": users, "nextPageToken": last.isoformat() if isinstance(last, datetime) else None}


def user_record(store: DocumentStore, directory: AccountDirectory, uid: str) -> dict[str, Any]:
    doc = store.get(user_path(uid))
    account = _directory_account(directory, uid)
    if doc is None and account is None:
        raise NotFound(f"uid: no user {uid!r}", field="uid")
    provider = store.get(profile_path(uid))
    return {
        **_shown(uid, doc or {}),
        "email": (account.email if account else None) or (doc or {}).get("email"),
        "claims": account.claims if account else {},
        "authDisabled": account.disabled if account else None,
        "provider": _shown(uid, provider) if provider else None,
    }


def _directory_account(directory: AccountDirectory, uid: str) -> Any:
    try:
        return directory.account(uid)
    except DirectoryError as exc:
        raise Unavailable(f"the account directory did not answer: {exc}") from None


def set_user_role(
    store: DocumentStore,
    directory: AccountDirectory,
    admin: Caller,
    uid: str,
    *,
    role: str | None,
    is_admin: bool | None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(claims before, claims after). A role must match a profile the account has; an admin
    cannot remove its own admin role."""
    account = _directory_account(directory, uid)
    if account is None:
        raise NotFound(f"uid: no account {uid!r}", field="uid")
    if is_admin is False and uid == admin.uid:
        raise PermissionDenied("an admin cannot remove its own admin role")
    if role is not None:
        _check_role_fits(store, uid, role)
    changes: dict[str, Any] = {}
    if role is not None:
        changes["role"] = role
    if is_admin is not None:
        changes["admin"] = True if is_admin else None
    try:
        directory.set_claims(uid, changes)
    except DirectoryError as exc:
        raise Unavailable(f"the account directory did not answer: {exc}") from None
    if role is not None:
        store.set(user_path(uid), {"role": role}, merge=True)
    after = {k: v for k, v in {**account.claims, **changes}.items() if v is not None}
    return dict(account.claims), after


def _check_role_fits(store: DocumentStore, uid: str, role: str) -> None:
    if role in PROVIDER_TYPES:
        profile = store.get(profile_path(uid)) or {}
        if profile.get("type") != role:
            raise FailedPrecondition(f"role: this account has no {role} profile", field="role")
    elif role in AFFILIATE_ROLES:
        from shared.affiliates.services.registration import affiliate_role_of

        if affiliate_role_of(store, uid) != role:
            raise FailedPrecondition(f"role: this account is not a {role}", field="role")


def set_user_disabled(
    store: DocumentStore, directory: AccountDirectory, admin: Caller, uid: str, disabled: bool, *, now: datetime
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(before, after) of the account's state."""
    if disabled and uid == admin.uid:
        raise PermissionDenied("an admin cannot disable its own account")
    account = _directory_account(directory, uid)
    if account is None:
        raise NotFound(f"uid: no account {uid!r}", field="uid")

    def mark(tx: Transaction) -> dict[str, Any]:
        user = tx.get(user_path(uid)) or {}
        provider = tx.get(profile_path(uid))
        before = {"disabled": user.get("disabled") is True, "isVisible": (provider or {}).get("isVisible")}
        tx.set(user_path(uid), {"disabled": disabled, "disabledAt": now if disabled else None}, merge=True)
        if provider is not None and disabled and provider.get("isVisible") is True:
            tx.update(profile_path(uid), {"isVisible": False, "hiddenWhileDisabled": True})
        elif provider is not None and not disabled and provider.get("hiddenWhileDisabled") is True:
            visible = provider.get("approvalStatus") == "approved"
            tx.update(profile_path(uid), {"isVisible": visible, "hiddenWhileDisabled": False})
        return before

    # The directory first: if it fails nothing is marked, and the admin retries.
    try:
        directory.set_disabled(uid, disabled)
    except DirectoryError as exc:
        raise Unavailable(f"the account directory did not answer: {exc}") from None
    before = store.run_transaction(mark)
    return before, {"disabled": disabled}


def ensure_enabled(store: DocumentStore, uid: str) -> None:
    """Every signed-in callable: a disabled account is refused at once."""
    if (store.get(user_path(uid)) or {}).get("disabled") is True:
        raise PermissionDenied("this account is disabled")
