"""updateProviderProfile: a provider edits its own public listing (names, languages, specialties, bio)."""

from __future__ import annotations

from typing import Any

from shared.accounts.services.commands import UpdateProviderProfileCommand
from shared.accounts.services.provider_profiles import profile_path
from shared.kernel.clock import Clock
from shared.kernel.commands import Caller, require_caller
from shared.kernel.errors import InvalidArgument, PermissionDenied
from shared.kernel.store import DocumentStore, Transaction


def update_provider_profile(
    cmd: UpdateProviderProfileCommand, caller: Caller | None, *, store: DocumentStore, clock: Clock
) -> dict[str, Any]:
    user = require_caller(caller)
    fields = {k: list(v) if isinstance(v, tuple) else v for k, v in cmd.model_dump(exclude_none=True).items()}
    if not fields:
        raise InvalidArgument("data", f"give at least one of {', '.join(UpdateProviderProfileCommand.model_fields)}")
    now = clock.now()

    def apply(tx: Transaction) -> dict[str, Any]:
        profile = tx.get(profile_path(user.uid))
        if profile is None or "approvalStatus" not in profile:
            raise PermissionDenied("only a provider has a profile to edit")
        names = {"firstName": profile.get("firstName"), "lastName": profile.get("lastName")}
        names.update({k: v for k, v in fields.items() if k in names})
        full_name = {"fullName": f"{names['firstName']} {names['lastName']}"} if set(fields) & set(names) else {}
        tx.update(profile_path(user.uid), {**fields, **full_name, "updatedAt": now})
        return {"providerId": user.uid, "updated": sorted(fields)}

    result: dict[str, Any] = store.run_transaction(apply)
    return result
