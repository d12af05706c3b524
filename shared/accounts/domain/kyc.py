"""What a provider's Stripe Connect account says about being paid (KYC)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class KycStatus(StrEnum):
    PENDING = "pending"  # Stripe still needs information (onboarding not finished)
    NEEDS_ATTENTION = "needs_attention"  # overdue information, or the account is disabled
    COMPLETE = "complete"  # nothing due: the account can be paid


@dataclass(frozen=True)
class ConnectAccount:
    """The parts of a Connect account that decide whether the provider can be paid."""

    id: str
    details_submitted: bool
    payouts_enabled: bool
    transfers: str  # the `transfers` capability: active | inactive | pending | unrequested
    currently_due: tuple[str, ...]
    past_due: tuple[str, ...]
    disabled_reason: str | None

    @classmethod
    def from_stripe(cls, account: Any) -> ConnectAccount:
        """A Stripe `account` object as a dict (a webhook's, or an SDK resource's `to_dict()`)."""
        requirements = account.get("requirements") or {}
        capabilities = account.get("capabilities") or {}
        return cls(
            id=str(account["id"]),
            details_submitted=bool(account.get("details_submitted")),
            payouts_enabled=bool(account.get("payouts_enabled")),
            transfers=str(capabilities.get("transfers") or "unrequested"),
            currently_due=tuple(requirements.get("currently_due") or ()),
            past_due=tuple(requirements.get("past_due") or ()),
            disabled_reason=requirements.get("disabled_reason"),
        )

    @property
    def kyc_status(self) -> KycStatus:
        if self.past_due or self.disabled_reason:
            return KycStatus.NEEDS_ATTENTION
        if self.currently_due or not self.details_submitted:
            return KycStatus.PENDING
        return KycStatus.COMPLETE

    @property
    def can_receive_transfers(self) -> bool:
        return self.payouts_enabled and self.transfers == "active"
