"""General affiliation: a client or a provider who signs up with an affiliate's client code is
that affiliate's referral for `settings/affiliate.attributionDays` (365 by default).

First touch: the first valid code an account gives is kept, and later codes change nothing; the
account cannot change it (only the server writes `affiliate_referrals` and `users.referredBy`).
The chain above the referrer (its recruiter and that recruiter's recruiter) is recorded with it,
so the commissions of a later capture need no walk up the tree.

Two steps inside the caller's transaction, because Firestore reads come before writes:
`resolve` reads and validates (a bad code is INVALID_ARGUMENT naming `affiliateCode` before
anything is written), `record` writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shared.affiliates.adapters import affiliate_repository, commission_repository
from shared.affiliates.domain.affiliate import UPLINE_LEVELS, AffiliateStatus, Sponsor
from shared.affiliates.domain.codes import CodeKind, parse_code
from shared.affiliates.domain.settings import AffiliateSettings
from shared.kernel.errors import FailedPrecondition, InvalidArgument
from shared.kernel.store import Transaction

FIELD = "affiliateCode"


@dataclass(frozen=True)
class Attribution:
    uid: str
    code: str
    chain: tuple[Sponsor, ...]  # the referrer first
    days: int

    @property
    def referrer(self) -> Sponsor:
        return self.chain[0]


def resolve(tx: Transaction, uid: str, raw_code: object) -> Attribution | None:
    """The attribution `raw_code` gives `uid`; None when there is no code or the account was
    attributed already (first touch)."""
    if raw_code is None:
        return None
    code = parse_code(raw_code, FIELD)
    if commission_repository.read_referral(tx, uid) is not None:
        return None
    owner = affiliate_repository.code_owner(tx, code)
    if owner is None or owner.kind is not CodeKind.CLIENT:
        raise InvalidArgument(FIELD, "is not an affiliate's client code")
    if owner.status != AffiliateStatus.ACTIVE.value:
        raise FailedPrecondition(f"{FIELD}: this affiliate is not active", field=FIELD)
    chain = (owner.sponsor, *owner.upline)[:UPLINE_LEVELS]
    if uid in {sponsor.uid for sponsor in chain}:
        raise InvalidArgument(FIELD, "is your own code or your own team's: nobody refers itself")
    days = AffiliateSettings.from_document(tx.get(AffiliateSettings.PATH)).attribution_days
    return Attribution(uid, code, chain, days)


def record(tx: Transaction, attribution: Attribution, *, kind: str, now: datetime) -> dict[str, Any]:
    """Write the referral; what the account's own document says of it (`referredBy`)."""
    commission_repository.write_referral(
        tx,
        attribution.uid,
        {
            "uid": attribution.uid,
            "kind": kind,  # client | provider
            "referrerId": attribution.referrer.uid,
            "code": attribution.code,
            "chain": [sponsor.as_document() for sponsor in attribution.chain],
            "chainIds": [sponsor.uid for sponsor in attribution.chain],
            "attributedAt": now,
            "expiresAt": now + timedelta(days=attribution.days),
        },
    )
    return {"referredBy": attribution.referrer.uid, "referredByCode": attribution.code, "referredAt": now}
