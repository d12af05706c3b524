"""reconcileAffiliateWallet: recompute an affiliate's balances from the ledger (wallet entries
and the commissions still on hold) and report how far the stored ones are from them (0)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from shared.affiliates.adapters import affiliate_repository, commission_repository
from shared.affiliates.domain.affiliate import AffiliateRole
from shared.affiliates.domain.commissions import Commission, CommissionState
from shared.kernel.commands import Caller, require_admin
from shared.kernel.errors import NotFound
from shared.kernel.fields import DocumentId
from shared.kernel.store import DocumentStore
from shared.wallet.domain.wallet import Balances, reconcile
from shared.wallet.services import ledger


def reconcile_wallet(uid: str, *, store: DocumentStore) -> dict[str, Any]:
    entry = store.get(affiliate_repository.affiliate_path(uid))
    if entry is None:
        raise NotFound(f"affiliateId: no affiliate {uid!r}", field="affiliateId")
    profile = store.get(affiliate_repository.profile_path(AffiliateRole(entry["role"]), uid))
    stored = Balances.from_document(profile)
    pending = [
        Commission(int(doc["walletAmount"]), CommissionState.PENDING, int(doc.get("takenBack") or 0)).remaining
        for doc in commission_repository.pending_of(store, uid)
    ]
    computed = reconcile(ledger.entries_of(store, uid), pending)
    stored_doc, computed_doc = stored.to_document(), computed.to_document()
    difference = {key: stored_doc[key] - computed_doc[key] for key in stored_doc}
    return {"affiliateId": uid, "stored": stored_doc, "ledger": computed_doc, "difference": difference}


def reconcile_all_wallets(*, store: DocumentStore, limit: int = 10_000) -> dict[str, Any]:
    """Every wallet against its ledger: the wallets whose balances differ, and by how much."""
    uids = affiliate_repository.affiliate_ids(store, limit=limit)
    reports = [reconcile_wallet(uid, store=store) for uid in uids]
    off = [report for report in reports if any(report["difference"].values())]
    cents = sum(abs(value) for report in off for value in report["difference"].values())
    return {"wallets": len(uids), "truncated": len(uids) >= limit, "walletsOff": off, "unexplainedCents": cents}


class AffiliateIdCommand(BaseModel):
    affiliateId: DocumentId


def reconcile_affiliate_wallet(
    cmd: AffiliateIdCommand, caller: Caller | None, *, store: DocumentStore
) -> dict[str, Any]:
    """The admin callable."""
    require_admin(caller)
    return reconcile_wallet(cmd.affiliateId, store=store)
