"""Booking-payment effects of Stripe `payment_intent.*` events (forward-only)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from shared.domain.payment import PaymentState, can_transition
from shared.ports.store import Transaction
from shared.services.stripe_webhook import EventHandler, RetryLater, StripeEvent

log = logging.getLogger(__name__)

AMOUNT_CAPTURABLE_UPDATED = "payment_intent.amount_capturable_updated"
PAYMENT_FAILED = "payment_intent.payment_failed"
CANCELED = "payment_intent.canceled"
SUCCEEDED = "payment_intent.succeeded"


def _capture_before(intent: dict[str, Any]) -> datetime | None:
    charge = intent.get("latest_charge")
    if not isinstance(charge, dict):
        return None
    card = (charge.get("payment_method_details") or {}).get("card") or {}
    stamp = card.get("capture_before")
    return datetime.fromtimestamp(stamp, UTC) if isinstance(stamp, int) else None


def _effect(target: PaymentState, intent: dict[str, Any], now: datetime) -> dict[str, Any]:
    if target is PaymentState.AUTHORIZED:
        fields: dict[str, Any] = {"amountCapturable": intent.get("amount_capturable"), "authorizedAt": now}
        capture_before = _capture_before(intent)
        if capture_before is not None:
            fields["captureBefore"] = capture_before
        return fields
    if target is PaymentState.FAILED:
        error = intent.get("last_payment_error") or {}
        return {"failureCode": error.get("code"), "failureMessage": error.get("message"), "failedAt": now}
    if target is PaymentState.CAPTURED:
        return {"amountReceived": intent.get("amount_received"), "capturedAt": now}
    return {"cancellationReason": intent.get("cancellation_reason"), "canceledAt": now}


def payment_state_handler(target: PaymentState) -> EventHandler:
    def handle(tx: Transaction, event: StripeEvent, now: datetime) -> None:
        intent = event["data"]["object"]
        payment_path = f"payments/{intent['id']}"
        payment = tx.get(payment_path)
        if payment is None:
            if (intent.get("metadata") or {}).get("callSessionId"):
                raise RetryLater(f"payment {intent['id']} is not recorded yet")
            log.info("stripe event %s is for a PaymentIntent this product did not create", event["id"])
            return
        current = PaymentState(payment["state"])
        if not can_transition(current, target):
            log.info("payment %s stays %s (late %s)", intent["id"], current.value, event["type"])
            return
        tx.update(
            payment_path,
            {
                "state": target.value,
                "status": intent.get("status"),
                "updatedAt": now,
                "lastEventId": event["id"],
                **_effect(target, intent, now),
            },
        )
        tx.create(
            f"payment_audit_logs/{intent['id']}_{event['id']}",
            {
                "paymentIntentId": intent["id"],
                "callSessionId": payment.get("callSessionId"),
                "action": event["type"],
                "fromState": current.value,
                "toState": target.value,
                "amount": payment.get("amount"),
                "currency": payment.get("currency"),
                "actor": "stripe",
                "eventId": event["id"],
                "at": now,
            },
        )

    return handle


PAYMENT_INTENT_HANDLERS: dict[str, EventHandler] = {
    AMOUNT_CAPTURABLE_UPDATED: payment_state_handler(PaymentState.AUTHORIZED),
    PAYMENT_FAILED: payment_state_handler(PaymentState.FAILED),
    CANCELED: payment_state_handler(PaymentState.CANCELED),
    SUCCEEDED: payment_state_handler(PaymentState.CAPTURED),
}
