"""A withdrawal: an affiliate takes money out of its wallet (USD cents) by PayPal, Wise or bank
transfer. Its amount leaves the wallet when it is requested; it ends `completed` (paid), or
`failed` / `rejected` and then the amount goes back to the wallet. A final state is left only by
`reverse`: a rail that paid and later took the money back (PayPal REFUNDED, Wise bounced_back
after outgoing_payment_sent) turns a completed withdrawal into a failed one, credited back."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

MIN_WITHDRAWAL_CENTS = 2_000
AFFILIATE, PROVIDER = "affiliate", "provider"


class WithdrawalMethod(StrEnum):
    PAYPAL = "paypal"
    WISE = "wise"
    BANK = "bank"


class WithdrawalStatus(StrEnum):
    PENDING = "pending"  # requested, waiting for an admin
    PROCESSING = "processing"  # sent to PayPal or Wise, outcome awaited
    COMPLETED = "completed"
    FAILED = "failed"
    REJECTED = "rejected"


FINAL = frozenset({WithdrawalStatus.COMPLETED, WithdrawalStatus.FAILED, WithdrawalStatus.REJECTED})
CREDITED_BACK = frozenset({WithdrawalStatus.FAILED, WithdrawalStatus.REJECTED})


class WithdrawalClosed(Exception):
    """The withdrawal is in a state this step cannot follow."""

    def __init__(self, status: WithdrawalStatus, step: str) -> None:
        super().__init__(f"a {status.value} withdrawal cannot be {step}")
        self.status = status


@dataclass(frozen=True)
class Withdrawal:
    withdrawal_id: str
    uid: str
    amount: int  # USD cents
    method: WithdrawalMethod
    details: dict[str, Any]
    status: WithdrawalStatus = WithdrawalStatus.PENDING
    reference: str | None = None  # the bank reference, PayPal payout item id or Wise transfer id
    reason: str | None = None
    currency: str = "usd"  # an affiliate's wallet is in USD; a provider withdraws in its earnings' currency
    holder: str = "affiliate"  # whose balance it comes from: "affiliate" (the wallet) or "provider"
    rail_status: str | None = None  # the rail's last word on the payout, as it said it
    rail_status_at: datetime | None = None  # when that happened, by the rail's clock

    @property
    def open(self) -> bool:
        return self.status not in FINAL

    def start_processing(self) -> Withdrawal:
        """Sent to its rail; sending a processing one again is allowed (the rail's idempotency
        keys, derived from the withdrawal id, make it pay once)."""
        if self.method is WithdrawalMethod.BANK:
            raise WithdrawalClosed(self.status, "sent to a payment rail (it is paid by bank transfer)")
        if self.status not in (WithdrawalStatus.PENDING, WithdrawalStatus.PROCESSING):
            raise WithdrawalClosed(self.status, "sent for payment")
        return replace(self, status=WithdrawalStatus.PROCESSING)

    def sent(self, reference: str, rail_status: str) -> Withdrawal:
        """The rail took it: its payout is `reference`. News already recorded is kept."""
        if self.status is not WithdrawalStatus.PROCESSING:
            return replace(self, reference=self.reference or reference)
        return replace(self, reference=reference, rail_status=self.rail_status or rail_status)

    def reverse(self, reason: str) -> Withdrawal:
        """A completed payout the rail took back: failed, and so credited back."""
        if self.status is not WithdrawalStatus.COMPLETED:
            raise WithdrawalClosed(self.status, "reversed")
        return replace(self, status=WithdrawalStatus.FAILED, reason=reason)

    def complete(self, reference: str | None = None) -> Withdrawal:
        if self.status not in (WithdrawalStatus.PENDING, WithdrawalStatus.PROCESSING):
            raise WithdrawalClosed(self.status, "completed")
        return replace(self, status=WithdrawalStatus.COMPLETED, reference=reference or self.reference)

    def fail(self, reason: str) -> Withdrawal:
        if self.status not in (WithdrawalStatus.PENDING, WithdrawalStatus.PROCESSING):
            raise WithdrawalClosed(self.status, "failed")
        return replace(self, status=WithdrawalStatus.FAILED, reason=reason)

    def reject(self, reason: str) -> Withdrawal:
        if self.status is not WithdrawalStatus.PENDING:
            raise WithdrawalClosed(self.status, "rejected")
        return replace(self, status=WithdrawalStatus.REJECTED, reason=reason)

    def to_document(self) -> dict[str, Any]:
        return {
            "withdrawalId": self.withdrawal_id,
            "uid": self.uid,
            "amount": self.amount,
            "currency": self.currency,
            "holder": self.holder,
            "method": self.method.value,
            "details": self.details,
            "status": self.status.value,
            "reference": self.reference,
            "reason": self.reason,
            "railStatus": self.rail_status,
            "railStatusAt": self.rail_status_at,
        }

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> Withdrawal:
        return cls(
            withdrawal_id=str(doc["withdrawalId"]),
            uid=str(doc["uid"]),
            amount=int(doc["amount"]),
            method=WithdrawalMethod(doc["method"]),
            details=dict(doc.get("details") or {}),
            status=WithdrawalStatus(doc["status"]),
            reference=doc.get("reference"),
            reason=doc.get("reason"),
            currency=str(doc.get("currency") or "usd"),
            holder=str(doc.get("holder") or "affiliate"),
            rail_status=doc.get("railStatus"),
            rail_status_at=doc.get("railStatusAt"),
        )


def status_change(before: Withdrawal, after: Withdrawal, now: datetime, by: str) -> dict[str, Any]:
    """The fields a transition writes, with its line in the history."""
    return {
        "status": after.status.value,
        "reference": after.reference,
        "reason": after.reason,
        "railStatus": after.rail_status,
        "railStatusAt": after.rail_status_at,
        "updatedAt": now,
        f"{after.status.value}At": now,
        "lastChange": {"from": before.status.value, "to": after.status.value, "by": by, "at": now},
    }
