"""Commissions on a captured call: who earns what, at which level, and what happens to it.

The platform pays every commission out of its fee: level 1 is a share of the captured amount
(the client's referrer) or of the provider's earnings (the provider's referrer); levels 2 and 3
are a smaller share of the same base for the referrer's recruiter and that recruiter's
recruiter. Each share rounds down and never takes more than what is left of the fee, so
provider earnings + commissions + the platform's share = the captured amount, to the cent.

A commission is `pending` for the hold period, then `available` in the wallet, then `paid` once
withdrawn; a refund of its source before it is paid voids it in proportion (all of it when the
payment is refunded in full), and a paid one is clawed back from the wallet instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum

from shared.affiliates.domain.affiliate import Sponsor

BASIS_POINTS = 10_000


class Side(StrEnum):
    """Whose referral earns the commission: the client's or the provider's."""

    CLIENT = "client"
    PROVIDER = "provider"


class CommissionState(StrEnum):
    PENDING = "pending"
    AVAILABLE = "available"
    PAID = "paid"
    VOIDED = "voided"


@dataclass(frozen=True)
class Rates:
    """Basis points of the base, per level (`settings/affiliate`)."""

    client_level1: int = 500
    provider_level1: int = 500
    level2: int = 200
    level3: int = 100

    def of(self, side: Side, level: int) -> int:
        if level == 1:
            return self.client_level1 if side is Side.CLIENT else self.provider_level1
        return self.level2 if level == 2 else self.level3


@dataclass(frozen=True)
class Share:
    """One beneficiary's share of one capture, in the call's currency (minor units)."""

    side: Side
    level: int
    beneficiary: Sponsor
    base: int
    rate: int
    amount: int


@dataclass(frozen=True)
class Split:
    captured: int
    provider_earnings: int
    shares: tuple[Share, ...]

    @property
    def commissions(self) -> int:
        return sum(share.amount for share in self.shares)

    @property
    def platform_share(self) -> int:
        return self.captured - self.provider_earnings - self.commissions


def split_capture(
    captured: int,
    provider_earnings: int,
    client_chain: Sequence[Sponsor],
    provider_chain: Sequence[Sponsor],
    rates: Rates,
) -> Split:
    """The commissions of one capture, client side first, level 1 first; levels beyond 3 earn nothing."""
    if captured < 0 or not 0 <= provider_earnings <= captured:
        raise ValueError("provider earnings must lie between 0 and the captured amount")
    left = captured - provider_earnings  # the platform's fee: what commissions can take
    shares: list[Share] = []
    for side, base, chain in (
        (Side.CLIENT, captured, client_chain),
        (Side.PROVIDER, provider_earnings, provider_chain),
    ):
        for level, beneficiary in enumerate(chain[:3], start=1):
            rate = rates.of(side, level)
            amount = min(base * rate // BASIS_POINTS, left)
            left -= amount
            if amount > 0:
                shares.append(Share(side, level, beneficiary, base, rate, amount))
    return Split(captured, provider_earnings, tuple(shares))


def to_wallet_cents(amount: int, fx_rate: Decimal) -> int:
    """A commission in the wallet's currency (USD cents), rounded down at the rate stored on it."""
    return int((Decimal(amount) * fx_rate).to_integral_value(rounding=ROUND_FLOOR))


@dataclass(frozen=True)
class Commission:
    """A commission's wallet value (USD cents) and how much of it a refund took back."""

    wallet_amount: int
    state: CommissionState
    taken_back: int = 0

    @property
    def remaining(self) -> int:
        return self.wallet_amount - self.taken_back

    def release(self) -> Commission:
        """End of the hold period: the remaining value enters the wallet."""
        if self.state is not CommissionState.PENDING:
            raise ValueError(f"only a pending commission becomes available, not a {self.state.value} one")
        return replace(self, state=CommissionState.AVAILABLE)

    def after_refund(self, refunded_total: int, captured: int) -> tuple[Commission, int]:
        """The commission once `refunded_total` of its `captured` source is refunded, and how
        much more it gives back now. Computed from the total, so successive partial refunds
        never drift and a repeated one gives back nothing."""
        if captured <= 0 or self.state is CommissionState.VOIDED:
            return self, 0
        refunded = min(max(refunded_total, 0), captured)
        kept = self.wallet_amount * (captured - refunded) // captured
        more = max(0, self.wallet_amount - kept - self.taken_back)
        taken_back = self.taken_back + more
        state: CommissionState = self.state
        if taken_back >= self.wallet_amount and state is not CommissionState.PAID:
            state = CommissionState.VOIDED
        return replace(self, taken_back=taken_back, state=state), more


def available_from(captured_at: datetime, hold_days: int) -> datetime:
    """When a commission leaves the hold period."""
    return captured_at + timedelta(days=hold_days)
