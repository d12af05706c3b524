"""Capture or release the hold of a finished session, never twice.

Runs after the transaction that ended the session (never inside one). The action was decided
by that transaction (`payment.action`); Stripe is called with a key derived from the session
(`capture:{id}` / `release:{id}`) and the adapter refuses to capture a hold that is no longer
capturable. Stripe replays the saved answer of a key for 24 h, a server error included, so a
retry after a retryable failure uses the next per-attempt key (`capture:{id}:{n}`); that is safe
because the adapter retrieves the PaymentIntent before capturing. `paymentCaptured` becomes true
only once Stripe answers `succeeded`, in the transaction that queues the `payment.captured` domain
event (the commissions). A failure is recorded on the session for
`stuckPaymentsRecovery` to retry.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from shared.calls.adapters import session_repository
from shared.calls.domain.call_rules import Settlement
from shared.kernel import events
from shared.kernel.clock import Clock
from shared.kernel.errors import PaymentGatewayError
from shared.kernel.store import DocumentStore, Transaction
from shared.payments.ports.payments import PaymentGateway
from shared.payments.services import payment_records

log = logging.getLogger(__name__)


def settle_session(call_session_id: str, *, store: DocumentStore, gateway: PaymentGateway, clock: Clock) -> str:
    """Returns the payment state after the attempt: captured, released, failed, pending or none."""
    session = store.get(session_repository.session_path(call_session_id))
    if session is None:
        return "none"
    payment = session.get("payment", {})
    action = payment.get("action")
    if action is None or payment.get("state") in ("captured", "released"):
        return str(payment.get("state", "none"))
    settlement = Settlement(action)
    key = settlement_key(settlement, call_session_id, int(payment.get("keyAttempt", 0)))
    try:
        if settlement is Settlement.CAPTURE:
            hold = gateway.capture_hold(session["paymentIntentId"], key)
            done = hold.status == "succeeded"
        else:
            hold = gateway.release_hold(session["paymentIntentId"], key)
            done = hold.status == "canceled"
    except PaymentGatewayError as exc:
        log.warning("settlement %s of session %s failed: %s", settlement.value, call_session_id, exc)
        error, retryable = str(exc), exc.retryable
        store.run_transaction(lambda tx: _record_failure(tx, call_session_id, error, clock.now(), new_key=retryable))
        return "failed"
    if not done:
        message = f"stripe answered {hold.status} to {settlement.value}"
        store.run_transaction(lambda tx: _record_failure(tx, call_session_id, message, clock.now(), new_key=False))
        return "failed"
    store.run_transaction(lambda tx: _record_success(tx, call_session_id, settlement, hold.amount.minor, clock.now()))
    return "captured" if settlement is Settlement.CAPTURE else "released"


def settlement_key(settlement: Settlement, call_session_id: str, key_attempt: int) -> str:
    """`capture:{id}` first; `capture:{id}:{n}` after the n-th retryable failure."""
    base = f"{settlement.value}:{call_session_id}"
    return base if key_attempt == 0 else f"{base}:{key_attempt}"


def _record_failure(tx: Transaction, call_session_id: str, error: str, now: datetime, *, new_key: bool) -> None:
    doc = tx.get(session_repository.session_path(call_session_id)) or {}
    payment = doc.get("payment", {})
    if payment.get("state") in ("captured", "released"):
        return  # a late failure never overwrites a settled payment
    key_attempt = int(payment.get("keyAttempt", 0)) + (1 if new_key else 0)
    tx.update(
        session_repository.session_path(call_session_id),
        {
            "payment": {
                **payment,
                "state": "failed",
                "attempts": int(payment.get("attempts", 0)) + 1,
                "lastError": error[:300],
                "lastAttemptAt": now,
                "keyAttempt": key_attempt,
            },
        },
    )


def _record_success(tx: Transaction, call_session_id: str, settlement: Settlement, amount: int, now: datetime) -> None:
    doc = tx.get(session_repository.session_path(call_session_id)) or {}
    payment: dict[str, Any] = doc.get("payment", {})
    if payment.get("state") in ("captured", "released"):
        return
    update: dict[str, Any] = {"updatedAt": now}
    if settlement is Settlement.CAPTURE:
        update.update(
            {
                "payment": {**payment, "state": "captured", "capturedAt": now, "capturedAmount": amount},
                "paymentCaptured": True,
                "providerEarnings": int(doc["amount"]) - int(doc["platformFee"]),
            }
        )
    else:
        update.update(
            {
                "payment": {**payment, "state": "released", "releasedAt": now},
                "paymentReleased": True,
                "providerEarnings": 0,
            }
        )
    tx.update(session_repository.session_path(call_session_id), update)
    if settlement is Settlement.CAPTURE:
        events.emit(
            tx,
            f"payment_captured:{doc['paymentIntentId']}",
            events.PAYMENT_CAPTURED,
            {
                "callSessionId": call_session_id,
                "paymentIntentId": doc["paymentIntentId"],
                "amount": amount,
                "currency": doc.get("currency"),
                "providerEarnings": update["providerEarnings"],
                "clientId": doc.get("clientId"),
                "providerId": doc.get("providerId"),
                "capturedAt": now,
            },
            now=now,
        )
    payment_records.audit(
        tx,
        doc["paymentIntentId"],
        settlement.value,
        {
            "callSessionId": call_session_id,
            "action": f"hold_{'captured' if settlement is Settlement.CAPTURE else 'released'}",
            "amount": amount,
            "currency": doc.get("currency"),
            "actor": "system",
            "at": now,
        },
    )
