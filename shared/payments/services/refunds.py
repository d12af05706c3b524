"""The payment's side of a refund: its state, the refunded total, one audit row per refund.

Runs inside the caller's transaction (the call session's refund records both at once): `load`
reads, then `record` writes. A refund already recorded (same Stripe refund id) changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.kernel.store import Document, Transaction
from shared.payments.adapters import payment_repository
from shared.payments.domain.payment import refund_state
from shared.payments.ports.payments import Refund


def load(tx: Transaction, payment_intent_id: str) -> Document | None:
    return tx.get(payment_repository.payment_path(payment_intent_id))


def record(
    tx: Transaction,
    payment_intent_id: str,
    payment: Document | None,
    refund: Refund,
    *,
    captured: int,
    by: str,
    reason: str,
    now: datetime,
) -> dict[str, Any]:
    """The payment's refunded total and state after `refund` (written unless already recorded)."""
    known = payment or {}
    refunds = dict(known.get("refunds") or {})
    if refund.id in refunds:
        return {"refundedAmount": int(known.get("refundedAmount") or 0), "state": known.get("state")}
    total = int(known.get("refundedAmount") or 0) + refund.amount.minor
    state = refund_state(captured, total).value
    refunds[refund.id] = {"amount": refund.amount.minor, "at": now, "by": by, "reason": reason}
    if payment is not None:
        tx.update(
            payment_repository.payment_path(payment_intent_id),
            {"state": state, "refundedAmount": total, "refunds": refunds, "updatedAt": now},
        )
    tx.create(
        payment_repository.audit_path(payment_intent_id, f"refund_{refund.id}"),
        {
            "paymentIntentId": payment_intent_id,
            "action": "refunded",
            "refundId": refund.id,
            "amount": refund.amount.minor,
            "currency": refund.amount.currency.value,
            "refundedTotal": total,
            "toState": state,
            "reason": reason,
            "actor": by,
            "at": now,
        },
    )
    return {"refundedAmount": total, "state": state}
