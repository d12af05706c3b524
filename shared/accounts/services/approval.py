"""Admin decisions on providers: list the pending ones, approve, reject, suspend.

Approval needs a payout method that works (a Connect account with KYC complete that can receive
transfers, or an active PayPal e-mail) and makes the provider visible; it goes online itself
(setProviderAvailability). A rejected or suspended provider is hidden and cannot be booked; a
suspended one's sessions already booked go on. Each decision is one transaction with its
`provider_action_logs` row (the admin's uid); a decision that changes nothing writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from shared.accounts.domain.kyc import KycStatus
from shared.accounts.domain.provider import ApprovalStatus
from shared.accounts.services.commands import ProviderDecisionCommand, ProviderIdCommand
from shared.accounts.services.provider_profiles import (
    PROFILES,
    account_path,
    action_log_path,
    profile_path,
)
from shared.kernel.clock import Clock
from shared.kernel.commands import Caller, require_admin
from shared.kernel.errors import FailedPrecondition, NotFound
from shared.kernel.store import Document, DocumentStore, Transaction

PENDING_PAGE = 100


def list_pending_providers(caller: Caller | None, *, store: DocumentStore) -> dict[str, Any]:
    require_admin(caller)
    found = store.find(PROFILES, [("approvalStatus", "==", ApprovalStatus.PENDING.value)], limit=PENDING_PAGE)
    providers = [
        {
            "providerId": uid,
            "type": doc.get("type"),
            "firstName": doc.get("firstName"),
            "lastName": doc.get("lastName"),
            "country": doc.get("country"),
            "payoutMethod": doc.get("payoutMethod"),
            "createdAt": doc["createdAt"].isoformat() if isinstance(doc.get("createdAt"), datetime) else None,
        }
        for uid, doc in found
    ]
    return {"providers": providers, "truncated": len(found) >= PENDING_PAGE}


def payout_ready(profile: Document, account: Document) -> bool:
    if profile.get("payoutMethod") == "paypal":
        return account.get("paypalAccountStatus") == "active" and bool(account.get("paypalEmail"))
    return account.get("kycStatus") == KycStatus.COMPLETE.value and account.get("canReceiveTransfers") is True


def approve_provider(
    cmd: ProviderIdCommand, caller: Caller | None, *, store: DocumentStore, clock: Clock
) -> dict[str, Any]:
    admin = require_admin(caller)

    def decide(profile: Document, account: Document) -> dict[str, Any] | None:
        if profile.get("approvalStatus") == ApprovalStatus.APPROVED.value:
            return None
        if not payout_ready(profile, account):
            raise FailedPrecondition(
                "providerId: the provider's payout method is not ready (Stripe KYC incomplete or PayPal inactive)",
                field="providerId",
            )
        return {"approvalStatus": ApprovalStatus.APPROVED.value, "isVisible": True}

    return _decision(cmd.providerId, "approved", None, admin, decide, store=store, clock=clock)


def reject_provider(
    cmd: ProviderDecisionCommand, caller: Caller | None, *, store: DocumentStore, clock: Clock
) -> dict[str, Any]:
    admin = require_admin(caller)

    def decide(profile: Document, account: Document) -> dict[str, Any] | None:
        if profile.get("approvalStatus") == ApprovalStatus.REJECTED.value:
            return None
        if profile.get("approvalStatus") != ApprovalStatus.PENDING.value:
            raise FailedPrecondition("providerId: only a pending provider can be rejected", field="providerId")
        return {"approvalStatus": ApprovalStatus.REJECTED.value, "isVisible": False}

    return _decision(cmd.providerId, "rejected", cmd.reason, admin, decide, store=store, clock=clock)


def suspend_provider(
    cmd: ProviderDecisionCommand, caller: Caller | None, *, store: DocumentStore, clock: Clock
) -> dict[str, Any]:
    admin = require_admin(caller)

    def decide(profile: Document, account: Document) -> dict[str, Any] | None:
        if profile.get("approvalStatus") == ApprovalStatus.SUSPENDED.value:
            return None
        # Hidden and offline; a call in progress keeps its own availability ("busy") until it ends.
        offline = {} if profile.get("availability") == "busy" else {"availability": "offline"}
        return {
            "approvalStatus": ApprovalStatus.SUSPENDED.value,
            "isVisible": False,
            "isAvailable": False,
            "isOnline": False,
            **offline,
        }

    return _decision(cmd.providerId, "suspended", cmd.reason, admin, decide, store=store, clock=clock)


Decide = Callable[[Document, Document], "dict[str, Any] | None"]


def _decision(
    provider_id: str,
    action: str,
    reason: str | None,
    admin: Caller,
    decide: Decide,
    *,
    store: DocumentStore,
    clock: Clock,
) -> dict[str, Any]:
    now = clock.now()

    def apply(tx: Transaction) -> dict[str, Any]:
        profile = tx.get(profile_path(provider_id))
        if profile is None or "approvalStatus" not in profile:
            raise NotFound(f"providerId: no provider {provider_id!r}", field="providerId")
        account = tx.get(account_path(provider_id)) or {}
        change = decide(profile, account)
        if change is None:
            return {"providerId": provider_id, "approvalStatus": profile["approvalStatus"], "changed": False}
        tx.update(profile_path(provider_id), {**change, f"{action}At": now, "updatedAt": now})
        tx.create(
            action_log_path(provider_id, action, now.strftime("%Y%m%dT%H%M%S%f")),
            {
                "providerId": provider_id,
                "action": action,
                "actor": admin.uid,
                "reason": reason,
                "before": profile.get("approvalStatus"),
                "after": change["approvalStatus"],
                "at": now,
            },
        )
        return {"providerId": provider_id, "approvalStatus": change["approvalStatus"], "changed": True}

    result: dict[str, Any] = store.run_transaction(apply)
    return result
