"""The monthly ranking of affiliates by the commissions they earned that month (USD cents, what a
refund took back excluded), and the bloggers' by articles approved that month, shown with display
names only; an affiliate may opt out."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shared.kernel.errors import InvalidArgument

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def of(cls, at: datetime) -> Month:
        return cls(at.year, at.month)

    @classmethod
    def parse(cls, raw: object, field: str = "month") -> Month:
        match = MONTH.match(raw) if isinstance(raw, str) else None
        if match is None:
            raise InvalidArgument(field, "must be a month written YYYY-MM")
        return cls(int(match[1]), int(match[2]))

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        return datetime(self.year + self.month // 12, self.month % 12 + 1, 1, tzinfo=UTC)

    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)


@dataclass(frozen=True)
class Earning:
    uid: str
    role: str
    earned: int


def earnings(commissions: Iterable[dict[str, Any]]) -> list[Earning]:
    """Each beneficiary's month: what its commissions are worth once refunds are taken back,
    highest first (ties by uid, so a ranking is reproducible)."""
    totals: dict[str, int] = {}
    roles: dict[str, str] = {}
    for doc in commissions:
        uid = str(doc["beneficiaryId"])
        kept = int(doc.get("walletAmount") or 0) - int(doc.get("takenBack") or 0)
        totals[uid] = totals.get(uid, 0) + max(kept, 0)
        roles[uid] = str(doc.get("beneficiaryRole"))
    ranked = [Earning(uid, roles[uid], total) for uid, total in totals.items() if total > 0]
    return sorted(ranked, key=lambda e: (-e.earned, e.uid))


def articles_by_blogger(approved: Iterable[dict[str, Any]]) -> list[Earning]:
    """The bloggers' ranking: articles approved in the month, most first (ties by uid)."""
    counts: dict[str, int] = {}
    for doc in approved:
        counts[str(doc["bloggerId"])] = counts.get(str(doc["bloggerId"]), 0) + 1
    return sorted((Earning(uid, "blogger", n) for uid, n in counts.items()), key=lambda e: (-e.earned, e.uid))


def display_name(first_name: object, last_name: object) -> str:
    """`Lina H.`: the first name and the last name's initial."""
    first = str(first_name or "").strip() or "Affiliate"
    last = str(last_name or "").strip()
    return f"{first} {last[0].upper()}." if last else first
