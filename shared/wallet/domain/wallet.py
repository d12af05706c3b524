"""The affiliate's wallet (`tirelire`), in USD cents: a ledger of entries and the balances
derived from it.

Money enters the wallet when a commission leaves its hold period and leaves it by clawback or
withdrawal; a commission still on hold is counted in `pending` only. The available balance may
go below zero after a clawback: later commissions pay it back first, simply by being added.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

WALLET_CURRENCY = "usd"


class EntryKind(StrEnum):
    COMMISSION = "commission"
    BONUS = "bonus"
    BONUS_UNLOCK = "bonus_unlock"  # the locked bonus becomes available
    CLAWBACK = "clawback"
    WITHDRAWAL = "withdrawal"
    WITHDRAWAL_REVERSAL = "withdrawal_reversal"


SPENDABLE = frozenset(
    {
        EntryKind.COMMISSION,
        EntryKind.CLAWBACK,
        EntryKind.WITHDRAWAL,
        EntryKind.WITHDRAWAL_REVERSAL,
        EntryKind.BONUS_UNLOCK,
    }
)
"""The entries that make up the available balance (a bonus stays locked until unlocked)."""


@dataclass(frozen=True)
class Entry:
    """One movement of the wallet, signed (a clawback or a withdrawal is negative)."""

    kind: EntryKind
    amount: int
    source: str

    def __post_init__(self) -> None:
        negative = self.kind in (EntryKind.CLAWBACK, EntryKind.WITHDRAWAL)
        if (self.amount < 0) != negative or self.amount == 0:
            raise ValueError(f"a {self.kind.value} entry must be {'negative' if negative else 'positive'}")


@dataclass(frozen=True)
class Balances:
    pending: int = 0
    available: int = 0
    locked_bonus: int = 0
    lifetime_earned: int = 0

    @classmethod
    def from_document(cls, doc: dict[str, Any] | None) -> Balances:
        doc = doc or {}
        return cls(
            pending=int(doc.get("pendingBalance") or 0),
            available=int(doc.get("tirelire") or 0),
            locked_bonus=int(doc.get("lockedBonus") or 0),
            lifetime_earned=int(doc.get("lifetimeEarned") or 0),
        )

    def to_document(self) -> dict[str, int]:
        return {
            "pendingBalance": self.pending,
            "tirelire": self.available,
            "lockedBonus": self.locked_bonus,
            "lifetimeEarned": self.lifetime_earned,
        }

    def accrue(self, amount: int) -> Balances:
        """A commission is earned: on hold, counted in the lifetime total."""
        return replace(self, pending=self.pending + amount, lifetime_earned=self.lifetime_earned + amount)

    def void_pending(self, amount: int) -> Balances:
        """A refund takes back part of a commission still on hold."""
        return replace(self, pending=self.pending - amount, lifetime_earned=self.lifetime_earned - amount)

    def release(self, amount: int) -> Balances:
        """The hold period ended: the commission enters the wallet (a `commission` entry)."""
        return replace(self, pending=self.pending - amount, available=self.available + amount)

    def post(self, entry: Entry) -> Balances:
        """An entry other than a released commission."""
        if entry.kind is EntryKind.BONUS:
            return replace(self, locked_bonus=self.locked_bonus + entry.amount)
        if entry.kind is EntryKind.BONUS_UNLOCK:
            return replace(self, locked_bonus=self.locked_bonus - entry.amount, available=self.available + entry.amount)
        if entry.kind is EntryKind.CLAWBACK:
            return replace(
                self, available=self.available + entry.amount, lifetime_earned=self.lifetime_earned + entry.amount
            )
        return replace(self, available=self.available + entry.amount)


def unlocks(balances: Balances, threshold: int) -> bool:
    """Commissions kept after their hold period (released, less clawbacks) reached `threshold`."""
    return balances.lifetime_earned - balances.pending >= threshold


def withdrawable(balances: Balances, amount: int) -> bool:
    """A withdrawal never takes the available balance below zero."""
    return 0 < amount <= balances.available


def reconcile(entries: Iterable[Entry], pending_commissions: Iterable[int]) -> Balances:
    """The balances the ledger says: what the stored ones must equal."""
    pending = sum(pending_commissions)
    available = locked = earned = 0
    for entry in entries:
        if entry.kind in SPENDABLE:
            available += entry.amount
        if entry.kind is EntryKind.BONUS:
            locked += entry.amount
        if entry.kind is EntryKind.BONUS_UNLOCK:
            locked -= entry.amount
        if entry.kind in (EntryKind.COMMISSION, EntryKind.CLAWBACK):
            earned += entry.amount
    return Balances(pending=pending, available=available, locked_bonus=locked, lifetime_earned=pending + earned)
