"""Provider profiles in the in-memory store, as the two documents the product keeps."""

from __future__ import annotations

from typing import Any

from shared.accounts.services.provider_profiles import PRIVATE_FIELDS, account_path, profile_path, write_profile
from shared.kernel.store import DocumentStore


def set_profile(store: DocumentStore, uid: str, data: dict[str, Any], *, merge: bool = True) -> None:
    write_profile(store, uid, data, merge=merge)


def profile_view(store: DocumentStore, uid: str) -> dict[str, Any] | None:
    """Public and private fields together; fails when a private field reached the public document."""
    public = store.get(profile_path(uid))
    if public is None:
        return None
    leaked = PRIVATE_FIELDS & public.keys()
    assert not leaked, f"private fields on the public profile {uid}: {sorted(leaked)}"
    return {**public, **(store.get(account_path(uid)) or {})}
