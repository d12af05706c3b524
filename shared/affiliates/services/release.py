"""validatePendingCommissions: commissions whose hold period ended by the run's scheduled time
enter their beneficiary's wallet (a `commission` entry) and become `available`, once each. When
the commissions released reach `settings/affiliate.unlockThresholdCents` ($150), the wallet is
`commissionUnlocked` (withdrawals allowed) and a locked bonus becomes available."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.affiliates.adapters import affiliate_repository, commission_repository
from shared.affiliates.domain.affiliate import AffiliateRole
from shared.affiliates.domain.commissions import Commission, CommissionState
from shared.affiliates.domain.settings import AffiliateSettings
from shared.kernel.clock import Clock
from shared.kernel.store import DocumentStore, Transaction
from shared.wallet.domain.wallet import Balances, Entry, EntryKind, unlocks
from shared.wallet.services import ledger


def release_commission(tx: Transaction, cid: str, as_of: datetime, now: datetime) -> bool:
    path = commission_repository.commission_path(cid)
    doc = tx.get(path)
    if doc is None or doc.get("state") != CommissionState.PENDING.value or doc["availableAt"] > as_of:
        return False  # released, voided or changed since the query
    commission = Commission(int(doc["walletAmount"]), CommissionState.PENDING, int(doc.get("takenBack") or 0))
    uid = str(doc["beneficiaryId"])
    profile_path = affiliate_repository.profile_path(AffiliateRole(doc["beneficiaryRole"]), uid)
    profile = tx.get(profile_path)
    threshold = AffiliateSettings.from_document(tx.get(AffiliateSettings.PATH)).unlock_threshold
    released = commission.release()
    entry = Entry(EntryKind.COMMISSION, commission.remaining, f"commission:{cid}")
    balances = ledger.post(
        tx, f"commission_{cid}", uid, entry, Balances.from_document(profile), now=now, details={"commissionId": cid}
    )
    unlock: dict[str, Any] = {}
    if profile is not None and not profile.get("commissionUnlocked") and unlocks(balances, threshold):
        unlock = {"commissionUnlocked": True, "commissionUnlockedAt": now}
        if balances.locked_bonus > 0:
            bonus = Entry(EntryKind.BONUS_UNLOCK, balances.locked_bonus, f"unlock:{uid}")
            balances = ledger.post(tx, f"bonus_unlock_{uid}", uid, bonus, balances, now=now)
    if profile is not None:
        tx.update(profile_path, {**balances.to_document(), **unlock, "walletUpdatedAt": now})
    tx.update(path, {"state": released.state.value, "releasedAt": now, "updatedAt": now})
    return True


def validate_pending_commissions(as_of: datetime, *, store: DocumentStore, clock: Clock, limit: int = 500) -> list[str]:
    """Release what is due at `as_of` (the schedule's time, not the time the run started)."""
    released = []
    for cid in commission_repository.due_for_release(store, as_of, limit=limit):
        now = clock.now()

        def release(tx: Transaction, cid: str = cid, now: datetime = now) -> bool:
            return release_commission(tx, cid, as_of, now)

        if store.run_transaction(release):
            released.append(cid)
    return released
