"""Whether a provider can take a call.

A provider is marked busy when a call is booked — with the linked profiles that share its busy
status (`shareBusyStatus`, `linkedProfileIds`) — and freed when that call ends. Missed calls in
a row take the provider offline. All of it runs in the caller's transaction: `read_group` does
every read, so it comes before the caller's first write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.accounts.services.commands import AvailabilityCommand
from shared.accounts.services.provider_profiles import account_path, profile_path, tx_read_account
from shared.kernel.clock import Clock
from shared.kernel.commands import Caller, require_caller
from shared.kernel.errors import FailedPrecondition, PermissionDenied
from shared.kernel.store import Document, DocumentStore, Transaction

BUSY_WITH = "currentCallSessionId"


@dataclass(frozen=True)
class Member:
    uid: str
    profile: Document | None  # the public profile; None when it does not exist
    account: Document  # the private account


@dataclass(frozen=True)
class BusyGroup:
    """The provider (first) and the existing profiles that share its busy status."""

    members: list[Member]

    @property
    def provider(self) -> Member:
        return self.members[0]

    def free_for_a_call(self) -> bool:
        provider = self.provider
        if (provider.profile or {}).get("availability", "available") != "available":
            return False
        return not any(member.account.get(BUSY_WITH) for member in self.members)


def read_group(tx: Transaction, provider_id: str) -> BusyGroup:
    profile = tx.get(profile_path(provider_id))
    members = [Member(provider_id, profile, tx_read_account(tx, provider_id))]
    if (profile or {}).get("shareBusyStatus"):
        for linked in (profile or {}).get("linkedProfileIds", []):
            if not isinstance(linked, str):
                continue
            linked_profile = tx.get(profile_path(linked))
            if linked_profile is not None:
                members.append(Member(linked, linked_profile, tx_read_account(tx, linked)))
    return BusyGroup(members)


def mark_busy(tx: Transaction, group: BusyGroup, call_session_id: str, now: datetime) -> None:
    busy = {BUSY_WITH: call_session_id, "busySince": now}
    for member in group.members:
        tx.update(profile_path(member.uid), {"availability": "busy"})
        linked = {} if member is group.provider else {"busyBecauseOf": group.provider.uid}
        tx.set(account_path(member.uid), {**busy, **linked}, merge=True)


def free(tx: Transaction, group: BusyGroup, call_session_id: str, *, missed: bool, offline_after: int) -> None:
    """Free the members still busy with this call; a missed call counts against the provider,
    and `offline_after` missed calls take them offline."""
    for member in group.members:
        if member.account.get(BUSY_WITH) != call_session_id:
            continue
        public: dict[str, Any] = {"availability": "available"}
        private: dict[str, Any] = {BUSY_WITH: None, "busySince": None}
        if member is group.provider and missed:
            count = int(member.account.get("missedCalls", 0)) + 1
            private["missedCalls"] = count
            if count >= offline_after:
                public.update({"availability": "offline", "isOnline": False})
                private["offlineReason"] = "missed_calls"
        if member.profile:
            tx.update(profile_path(member.uid), public)
        tx.set(account_path(member.uid), private, merge=True)


def set_provider_availability(
    cmd: AvailabilityCommand, caller: Caller | None, *, store: DocumentStore, clock: Clock
) -> dict[str, Any]:
    """setProviderAvailability: an approved provider goes online (bookable) or offline; refused
    while busy in a call. Going online clears the missed calls that took it offline."""
    user = require_caller(caller)
    now = clock.now()

    def apply(tx: Transaction) -> dict[str, Any]:
        group = read_group(tx, user.uid)
        profile = group.provider.profile
        if profile is None or "approvalStatus" not in profile:
            raise PermissionDenied("only a provider can change its availability")
        if profile.get("approvalStatus") != "approved":
            raise FailedPrecondition("available: this provider is not approved", field="available")
        if profile.get("availability") == "busy" or group.provider.account.get(BUSY_WITH):
            raise FailedPrecondition("available: this provider is in a call", field="available")
        state = "available" if cmd.available else "offline"
        tx.update(
            profile_path(user.uid),
            {"availability": state, "isOnline": cmd.available, "isAvailable": cmd.available, "updatedAt": now},
        )
        if cmd.available:
            tx.set(account_path(user.uid), {"missedCalls": 0, "offlineReason": None}, merge=True)
        return {"providerId": user.uid, "availability": state}

    result: dict[str, Any] = store.run_transaction(apply)
    return result
