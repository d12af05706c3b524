"""getAffiliateDashboard: what the signed-in affiliate sees of its own business: balances, codes,
its last commissions, its referrals and team by level (this month and all time), how many of
its referrals made a paid call, and its links' funnel (clicks → registrations → first paid
call). Read from its own rows only (at most 10,000 of each)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.affiliates.adapters import affiliate_repository, click_repository, commission_repository
from shared.affiliates.domain.dashboard import (
    commission_view,
    conversion,
    funnel,
    month_start,
    referrals_by_level,
    team_by_level,
)
from shared.affiliates.services.signed_in import signed_in_affiliate
from shared.kernel.clock import Clock
from shared.kernel.commands import Caller
from shared.kernel.store import DocumentStore
from shared.wallet.domain.wallet import WALLET_CURRENCY, Balances


class AffiliateDashboardCommand(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recentLimit: int = Field(default=20, ge=1, le=100)


def get_affiliate_dashboard(
    cmd: AffiliateDashboardCommand, caller: Caller | None, *, store: DocumentStore, clock: Clock
) -> dict[str, Any]:
    found = signed_in_affiliate(store, caller, "this dashboard is for affiliates: sign up as one first")
    user, entry, profile = found.user, found.entry, found.profile
    since = month_start(clock.now())
    referrals = commission_repository.referrals_by(store, user.uid)
    own = commission_repository.recent_of(store, user.uid, limit=10_000)
    converted = conversion(user.uid, referrals, own)
    return {
        "affiliateId": user.uid,
        "role": entry["role"],
        "status": entry["status"],
        "codes": {"client": entry["affiliateCodeClient"], "recruitment": entry["affiliateCodeRecruitment"]},
        "telegramStatus": profile.get("telegramStatus"),
        "balances": {**Balances.from_document(profile).to_document(), "currency": WALLET_CURRENCY},
        "recentCommissions": [commission_view(doc) for doc in own[: cmd.recentLimit]],
        "referrals": {
            kind: counts.to_document() for kind, counts in referrals_by_level(user.uid, referrals, since).items()
        },
        "team": team_by_level(user.uid, affiliate_repository.team_of(store, user.uid), since).to_document(),
        "conversion": converted,
        "funnel": funnel(click_repository.clicks_of(store, user.uid), since, converted),
    }
