"""The monthly leaderboard: `computeAffiliateLeaderboard` (scheduled) ranks the month's
commissions into one document, so `getAffiliateLeaderboard` reads one document instead of
scanning; `setLeaderboardOptOut` hides an affiliate from the next computation on."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from shared.affiliates.adapters import (
    affiliate_repository,
    article_repository,
    commission_repository,
    leaderboard_repository,
)
from shared.affiliates.domain.affiliate import AffiliateRole, AffiliateStatus
from shared.affiliates.domain.leaderboard import Earning, Month, articles_by_blogger, display_name, earnings
from shared.affiliates.services.signed_in import signed_in_affiliate
from shared.kernel.clock import Clock
from shared.kernel.commands import Caller, require_caller
from shared.kernel.errors import PermissionDenied
from shared.kernel.store import DocumentStore

SIZE = 50
LATE = timedelta(days=1)
"""How long after a month ends its ranking is still recomputed (late captures, refunds)."""
ROLES = {role.value for role in AffiliateRole}


def compute_leaderboards(as_of: datetime, *, store: DocumentStore, clock: Clock) -> list[str]:
    """The month of `as_of` (the run's scheduled time), and the month before for a day after it
    ends; the keys written."""
    month = Month.of(as_of)
    months = [month, month.previous()] if as_of - month.start < LATE else [month]
    for each in months:
        compute_leaderboard(each, store=store, now=clock.now())
    return [each.key for each in months]


def _ranked(
    store: DocumentStore, ranking: list[Earning], size: int, shown: str
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The first `size` of `ranking` who are active and did not opt out: public entries (the
    figure under `shown`), and their ranks by uid (kept private)."""
    entries: list[dict[str, Any]] = []
    ranks: dict[str, int] = {}
    for earning in ranking:
        if len(entries) == size:
            break
        found = affiliate_repository.read_affiliate(store, earning.uid)
        if found is None:
            continue
        entry, profile = found
        if entry.get("status") != AffiliateStatus.ACTIVE.value or profile.get("leaderboardOptOut") is True:
            continue
        rank = len(entries) + 1
        ranks[earning.uid] = rank
        name = display_name(profile.get("firstName"), profile.get("lastName"))
        entries.append({"rank": rank, "displayName": name, "role": earning.role, shown: earning.earned})
    return entries, ranks


def compute_leaderboard(month: Month, *, store: DocumentStore, now: datetime, size: int = SIZE) -> dict[str, Any]:
    ranking = earnings(commission_repository.created_between(store, month.start, month.end))
    entries, ranks = _ranked(store, ranking, size, "earned")
    for each in entries:
        each["currency"] = "usd"
    approved = article_repository.approved_between(store, month.start, month.end)
    bloggers, blogger_ranks = _ranked(store, articles_by_blogger(approved), size, "articles")
    board = {
        "month": month.key,
        "entries": entries,
        "ranks": ranks,
        "bloggers": bloggers,
        "bloggerRanks": blogger_ranks,
        "computedAt": now,
    }
    leaderboard_repository.write_leaderboard(store, month.key, board)
    return board


class LeaderboardCommand(BaseModel):
    model_config = ConfigDict(extra="forbid")

    month: str | None = Field(default=None)

    @field_validator("month", mode="before")
    @classmethod
    def _month(cls, value: object) -> str | None:
        return None if value is None else Month.parse(value).key


def _affiliate(caller: Caller | None) -> Caller:
    user = require_caller(caller)
    if user.claims.get("role") not in ROLES and not user.is_admin:
        raise PermissionDenied("the leaderboard is for affiliates")
    return user


def get_affiliate_leaderboard(
    cmd: LeaderboardCommand, caller: Caller | None, *, store: DocumentStore, clock: Clock
) -> dict[str, Any]:
    """`{month, computedAt, entries, myRank, bloggers, myBloggerRank}`; empty until the job has run
    that month."""
    user = _affiliate(caller)
    key = cmd.month or Month.of(clock.now()).key
    board = leaderboard_repository.read_leaderboard(store, key) or {}
    computed = board.get("computedAt")
    return {
        "month": key,
        "computedAt": computed.isoformat() if isinstance(computed, datetime) else None,
        "entries": list(board.get("entries") or []),
        "myRank": (board.get("ranks") or {}).get(user.uid),
        "bloggers": list(board.get("bloggers") or []),
        "myBloggerRank": (board.get("bloggerRanks") or {}).get(user.uid),
    }


class LeaderboardOptOutCommand(BaseModel):
    model_config = ConfigDict(extra="forbid")

    optOut: StrictBool


def set_leaderboard_opt_out(
    cmd: LeaderboardOptOutCommand, caller: Caller | None, *, store: DocumentStore, clock: Clock
) -> dict[str, Any]:
    found = signed_in_affiliate(store, caller, "the leaderboard is for affiliates")
    affiliate_repository.update_profile(
        store, found.role, found.user.uid, {"leaderboardOptOut": cmd.optOut, "updatedAt": clock.now()}
    )
    return {"optOut": cmd.optOut}
