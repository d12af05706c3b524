"""The signed-in affiliate: who may use the affiliate callables (dashboard, training, resources,
articles, leaderboard preferences)."""

from __future__ import annotations

from dataclasses import dataclass

from shared.affiliates.adapters import affiliate_repository
from shared.affiliates.domain.affiliate import AffiliateRole
from shared.kernel.commands import Caller, require_caller
from shared.kernel.errors import PermissionDenied
from shared.kernel.store import Document, DocumentStore, Transaction


@dataclass(frozen=True)
class SignedInAffiliate:
    """The caller with its `affiliates/{uid}` entry and its role's profile."""

    user: Caller
    entry: Document
    profile: Document

    @property
    def role(self) -> AffiliateRole:
        return AffiliateRole(self.entry["role"])


def signed_in_affiliate(reader: DocumentStore | Transaction, caller: Caller | None, refusal: str) -> SignedInAffiliate:
    """The caller as an affiliate; PermissionDenied(`refusal`) unless it has an affiliate entry
    whose role is the role claim of its token."""
    user = require_caller(caller)
    found = affiliate_repository.read_affiliate(reader, user.uid)
    if found is None or user.claims.get("role") != found[0].get("role"):
        raise PermissionDenied(refusal)
    return SignedInAffiliate(user, *found)
