"""A provider paid by PayPal keeps its earnings with the platform until it withdraws them: one
balance per currency (minor units), credited when a call's payment is captured, taken back in
proportion when it is refunded (it may go below zero), debited by a withdrawal and credited
back when that withdrawal fails or is rejected. Providers paid through Stripe Connect receive
their share at capture and have no such balance."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

PROVIDER_CURRENCIES = ("eur", "usd")
PAID_BY_PLATFORM = "paypal"


@dataclass(frozen=True)
class EarningsBalance:
    currency: str
    available: int = 0
    earned: int = 0  # lifetime, net of refunds
    withdrawn_total: int = 0

    @classmethod
    def from_document(cls, currency: str, doc: dict[str, Any] | None) -> EarningsBalance:
        figures = ((doc or {}).get("currencies") or {}).get(currency) or {}
        return cls(
            currency,
            int(figures.get("available") or 0),
            int(figures.get("earned") or 0),
            int(figures.get("withdrawnTotal") or 0),
        )

    def to_fields(self) -> dict[str, Any]:
        return {
            f"currencies.{self.currency}": {
                "available": self.available,
                "earned": self.earned,
                "withdrawnTotal": self.withdrawn_total,
            }
        }

    def earn(self, amount: int) -> EarningsBalance:
        return replace(self, available=self.available + amount, earned=self.earned + amount)

    def move(self, amount: int) -> EarningsBalance:
        """A withdrawal (negative) or its credit back (positive)."""
        return replace(self, available=self.available + amount)

    def paid_out(self, amount: int) -> EarningsBalance:
        return replace(self, withdrawn_total=self.withdrawn_total + amount)


def taken_back(refunded_total: int, captured: int, earnings: int, already: int) -> int:
    """What the provider gives back now: its share of all that is refunded so far (rounded down,
    so never more than it earned), less what earlier refunds took."""
    if captured <= 0 or earnings <= 0:
        return 0
    share = min(earnings, refunded_total * earnings // captured)
    return max(0, share - already)
