"""Releasing a card hold that no call session will ever settle.

Stripe is called outside any transaction with `release:{callSessionId}`, the key the settlement
uses (so a hold released both ways is released once), and a new key per attempt after a server
error (Stripe replays a saved 5xx for 24 h). The release is recorded once in the audit trail; the
Stripe webhook then moves `payments` to released.
"""

from __future__ import annotations

from datetime import datetime

from shared.kernel.errors import PaymentGatewayError
from shared.kernel.store import Document, DocumentStore, Transaction
from shared.payments.adapters import payment_repository
from shared.payments.ports.payments import PaymentGateway

CAUSE = "recovery_release"


def release_orphan_hold(
    store: DocumentStore, gateway: PaymentGateway, payment_id: str, payment: Document, now: datetime
) -> str:
    """Release the hold: 'released', or 'already' when an earlier run did; PaymentGatewayError
    when Stripe fails or does not cancel it."""
    ledger = payment_repository.audit_path(payment_id, CAUSE)
    if store.get(ledger) is not None:
        return "already"
    call_session_id = payment.get("callSessionId") or payment_id
    attempts_path = payment_repository.recovery_attempts_path(payment_id)
    key_attempt = int((store.get(attempts_path) or {}).get("keyAttempt", 0))
    key = f"release:{call_session_id}" if key_attempt == 0 else f"release:{call_session_id}:{key_attempt}"
    try:
        hold = gateway.release_hold(payment_id, key)
    except PaymentGatewayError as exc:
        if exc.retryable:
            store.set(attempts_path, {"keyAttempt": key_attempt + 1, "lastError": str(exc)[:300], "at": now})
        raise
    if hold.status != "canceled":
        raise PaymentGatewayError(f"stripe answered {hold.status} to release", retryable=False)

    def record(tx: Transaction) -> None:
        if tx.get(ledger) is not None:
            return
        tx.create(
            ledger,
            {
                "paymentIntentId": payment_id,
                "callSessionId": payment.get("callSessionId"),
                "action": "hold_released",
                "reason": "orphan_hold",
                "fromState": payment.get("state"),
                "amount": payment.get("amount"),
                "currency": payment.get("currency"),
                "actor": "recovery",
                "at": now,
            },
        )

    store.run_transaction(record)
    return "released"
