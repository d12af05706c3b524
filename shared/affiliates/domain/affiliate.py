"""An affiliate: its role, the team it joined (its upline) and the documents its sign-up writes.

An affiliate recruited with a recruitment code sits below the recruiter: its upline is the
recruiter (level 1), then the recruiter's own first two levels — three at most, the levels
commissions are paid on. An account never appears in its own upline.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from shared.affiliates.domain.codes import CodeKind
from shared.kernel.errors import FailedPrecondition, InvalidArgument

UPLINE_LEVELS = 3


class AffiliateRole(StrEnum):
    CHATTER = "chatter"
    INFLUENCER = "influencer"
    BLOGGER = "blogger"
    GROUP_ADMIN = "group_admin"

    @property
    def profile_collection(self) -> str:
        """The collection of this role's profiles (`chatter_profiles`, ...)."""
        return f"{self.value}_profiles"


class AffiliateStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


@dataclass(frozen=True)
class Sponsor:
    """One affiliate above another in its upline."""

    uid: str
    role: AffiliateRole

    def as_document(self) -> dict[str, str]:
        return {"uid": self.uid, "role": self.role.value}


def upline_below(
    recruiter: Sponsor, recruiter_upline: Iterable[Sponsor], *, newcomer: str | None = None
) -> tuple[Sponsor, ...]:
    """The upline of an affiliate recruited by `recruiter`: the recruiter, then its first
    levels, at most `UPLINE_LEVELS` in all. Refused when `newcomer` would be in its own upline,
    or the recruiter's upline names an account twice (a cycle in stored data)."""
    upline = (recruiter, *recruiter_upline)[:UPLINE_LEVELS]
    uids = [sponsor.uid for sponsor in upline]
    if newcomer is not None and newcomer in uids:
        raise InvalidArgument("recruitmentCode", "is your own code: an affiliate cannot recruit itself")
    if len(set(uids)) != len(uids):
        raise FailedPrecondition("recruitmentCode: this code's team is inconsistent", field="recruitmentCode")
    return upline


@dataclass(frozen=True)
class NewAffiliate:
    """What a sign-up writes: the role's profile, the affiliate index entry and its two codes.
    `role_fields` are the role's own fields, named as the callable receives them."""

    uid: str
    role: AffiliateRole
    email: str
    first_name: str
    last_name: str
    country: str  # ISO 3166-1 alpha-2
    language: str  # ISO 639-1
    client_code: str
    recruitment_code: str
    upline: tuple[Sponsor, ...] = ()
    role_fields: dict[str, Any] = field(default_factory=dict)

    @property
    def recruited_by(self) -> str | None:
        return self.upline[0].uid if self.upline else None

    def profile(self, now: datetime) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "role": self.role.value,
            "email": self.email,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "country": self.country,
            "language": self.language,
            **self.role_fields,
            "status": AffiliateStatus.ACTIVE.value,
            "affiliateCodeClient": self.client_code,
            "affiliateCodeRecruitment": self.recruitment_code,
            "recruitedBy": self.recruited_by,
            "tirelire": 0,
            "pendingBalance": 0,
            "lockedBonus": 0,
            "lifetimeEarned": 0,
            "telegramStatus": "pending",
            "createdAt": now,
        }

    def index_entry(self, now: datetime) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "role": self.role.value,
            "status": AffiliateStatus.ACTIVE.value,
            "upline": [sponsor.as_document() for sponsor in self.upline],
            "uplineIds": [sponsor.uid for sponsor in self.upline],
            "affiliateCodeClient": self.client_code,
            "affiliateCodeRecruitment": self.recruitment_code,
            "createdAt": now,
        }

    def codes(self, now: datetime) -> dict[str, dict[str, Any]]:
        """The code documents, by code."""
        return {
            code: {"code": code, "uid": self.uid, "role": self.role.value, "kind": kind.value, "createdAt": now}
            for code, kind in ((self.client_code, CodeKind.CLIENT), (self.recruitment_code, CodeKind.RECRUITMENT))
        }
