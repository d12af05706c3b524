"""What an affiliate's dashboard shows, computed from its own rows: its referrals by level (this
month and all time), its team of recruits by level, how many level-1 referrals made a paid call,
and its last commissions without anything personal about the clients behind them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.affiliates.domain.affiliate import UPLINE_LEVELS

BASIS_POINTS = 10_000
REFERRAL_KINDS = ("client", "provider")


def referral_key(uid: str) -> str:
    """What a commission keeps of the account it came from: enough to count distinct referrals
    that paid, nothing that names them."""
    return hashlib.sha256(f"referral:{uid}".encode()).hexdigest()[:16]


def month_start(now: datetime) -> datetime:
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


@dataclass
class LevelCounts:
    """Counts per level (1 = direct), this month and all time."""

    this_month: list[int]
    all_time: list[int]

    @classmethod
    def empty(cls) -> LevelCounts:
        return cls([0] * UPLINE_LEVELS, [0] * UPLINE_LEVELS)

    def add(self, level: int, at: datetime | None, since: datetime) -> None:
        if not 1 <= level <= UPLINE_LEVELS:
            return
        self.all_time[level - 1] += 1
        if at is not None and at >= since:
            self.this_month[level - 1] += 1

    def to_document(self) -> dict[str, Any]:
        return {
            f"level{n}": {"thisMonth": self.this_month[n - 1], "allTime": self.all_time[n - 1]}
            for n in range(1, UPLINE_LEVELS + 1)
        }


def referrals_by_level(uid: str, referrals: Iterable[dict[str, Any]], since: datetime) -> dict[str, LevelCounts]:
    """Clients and providers attributed to `uid` or to its recruits, by kind and level."""
    counts = {kind: LevelCounts.empty() for kind in REFERRAL_KINDS}
    for referral in referrals:
        chain = list(referral.get("chainIds") or [])
        kind = referral.get("kind")
        if uid in chain and kind in counts:
            counts[kind].add(chain.index(uid) + 1, referral.get("attributedAt"), since)
    return counts


def team_by_level(uid: str, recruits: Iterable[dict[str, Any]], since: datetime) -> LevelCounts:
    """Affiliates below `uid`: its recruits (level 1), theirs (2), and theirs (3)."""
    counts = LevelCounts.empty()
    for recruit in recruits:
        upline = list(recruit.get("uplineIds") or [])
        if uid in upline:
            counts.add(upline.index(uid) + 1, recruit.get("createdAt"), since)
    return counts


def conversion(uid: str, referrals: Iterable[dict[str, Any]], commissions: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Of the accounts `uid` referred itself, how many made at least one paid call."""
    direct = {
        referral_key(str(r["uid"])) for r in referrals if (r.get("chainIds") or [None])[0] == uid and r.get("uid")
    }
    paid = {c.get("referralKey") for c in commissions if c.get("level") == 1} & direct
    rate = len(paid) * BASIS_POINTS // len(direct) if direct else 0
    return {"referred": len(direct), "withPaidCall": len(paid), "rateBp": rate}


def funnel(clicks: Iterable[dict[str, Any]], since: datetime, converted: dict[str, int]) -> dict[str, Any]:
    """Tracking-link clicks (this month, all time) → accounts referred → first paid call."""
    at = [c.get("at") for c in clicks]
    month = sum(1 for t in at if isinstance(t, datetime) and t >= since)
    return {
        "clicks": {"thisMonth": month, "allTime": len(at)},
        "registrations": converted["referred"],
        "firstPaidCall": converted["withPaidCall"],
    }


def _iso(value: object) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else None


def commission_view(doc: dict[str, Any]) -> dict[str, Any]:
    """One commission as the affiliate sees it: amounts, state, level and which call earned it."""
    source = doc.get("source") or {}
    return {
        "commissionId": doc.get("commissionId"),
        "level": doc.get("level"),
        "side": doc.get("side"),
        "state": doc.get("state"),
        "amount": doc.get("amount"),
        "currency": doc.get("currency"),
        "walletAmount": doc.get("walletAmount"),
        "walletCurrency": doc.get("walletCurrency"),
        "takenBack": doc.get("takenBack", 0),
        "source": {"type": source.get("type"), "callSessionId": source.get("callSessionId")},
        "createdAt": _iso(doc.get("createdAt")),
        "availableAt": _iso(doc.get("availableAt")),
    }
