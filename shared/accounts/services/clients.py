"""Client accounts: the role a sign-up gets, and the profile the web app completes.

A client signs up with the Auth client SDK; the `beforeUserCreated` blocking function gives the
account the `client` role claim before its first ID token (the client never sets its own role).
`completeClientProfile` then writes `users/{uid}` from the signed-in client's form; sent again it
updates the same document, keeping its creation time. An affiliate's client code
(`affiliateCode`) attributes the client to that affiliate, first touch (`referredBy`).
"""

from __future__ import annotations

from typing import Any

from shared.accounts.domain.roles import CLIENT, claims_at_sign_up
from shared.accounts.services.commands import CompleteClientProfileCommand
from shared.accounts.services.users import user_path
from shared.affiliates.services import attribution
from shared.kernel.clock import Clock
from shared.kernel.commands import Caller, require_caller
from shared.kernel.errors import PermissionDenied
from shared.kernel.store import DocumentStore, Transaction

__all__ = ["claims_at_sign_up", "complete_client_profile"]


def complete_client_profile(
    cmd: CompleteClientProfileCommand, caller: Caller | None, *, store: DocumentStore, clock: Clock
) -> dict[str, Any]:
    user = require_caller(caller)
    if user.claims.get("role") != CLIENT:
        raise PermissionDenied("only a client account completes a client profile")
    email = user.claims.get("email")
    now = clock.now()

    def apply(tx: Transaction) -> dict[str, Any]:
        existing = tx.get(user_path(user.uid))
        referral = attribution.resolve(tx, user.uid, cmd.affiliateCode)
        profile = {
            "uid": user.uid,
            "email": email if isinstance(email, str) else None,
            "role": CLIENT,
            "firstName": cmd.firstName,
            "lastName": cmd.lastName,
            "country": cmd.country,
            "language": cmd.language,
            "updatedAt": now,
        }
        if existing is None or not existing.get("createdAt"):
            profile["createdAt"] = now
        if referral is not None:
            profile.update(attribution.record(tx, referral, kind=CLIENT, now=now))
        tx.set(user_path(user.uid), profile, merge=True)
        referred_by = profile.get("referredBy", (existing or {}).get("referredBy"))
        return {"uid": user.uid, "role": CLIENT, "created": existing is None, "referredBy": referred_by}

    result: dict[str, Any] = store.run_transaction(apply)
    return result
