"""Commissions become `paid` once withdrawn: after a withdrawal is paid, the affiliate's available
commissions, oldest released first, are marked paid while they fit in what was withdrawn in all
(`withdrawnTotal`) beyond those marked before (`paidCommissionsTotal`). Each in its own
transaction, checked again there, so a repeat or a race marks nothing twice."""

from __future__ import annotations

from shared.affiliates.adapters import affiliate_repository, commission_repository
from shared.affiliates.domain.affiliate import AffiliateRole
from shared.affiliates.domain.commissions import CommissionState
from shared.kernel.clock import Clock
from shared.kernel.store import DocumentStore, Transaction


def mark_paid_commissions(uid: str, *, store: DocumentStore, clock: Clock) -> list[str]:
    marked: list[str] = []
    for doc in commission_repository.available_of(store, uid):
        cid = str(doc["commissionId"])

        def mark(tx: Transaction, cid: str = cid) -> bool:
            current = tx.get(commission_repository.commission_path(cid))
            if current is None or current.get("state") != CommissionState.AVAILABLE.value:
                return False
            path = affiliate_repository.profile_path(AffiliateRole(current["beneficiaryRole"]), uid)
            profile = tx.get(path) or {}
            remaining = int(current["walletAmount"]) - int(current.get("takenBack") or 0)
            paid = int(profile.get("paidCommissionsTotal") or 0)
            if paid + remaining > int(profile.get("withdrawnTotal") or 0):
                return False
            now = clock.now()
            tx.update(commission_repository.commission_path(cid), {"state": "paid", "paidAt": now, "updatedAt": now})
            tx.update(path, {"paidCommissionsTotal": paid + remaining})
            return True

        if not store.run_transaction(mark):
            break
        marked.append(cid)
    return marked
