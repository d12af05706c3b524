"""Booking-payment effects of Stripe `payment_intent.*` events (forward-only).

An authorisation is recorded by whichever comes first: the `amount_capturable_updated` webhook
or the booking that asked Stripe because the webhook had not landed yet
(`record_authorization`). Both write the same fields; the later one finds the payment
authorised already and changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.kernel.errors import PaymentGatewayError
from shared.kernel.store import Document, Transaction
from shared.payments.adapters import payment_repository
from shared.payments.domain.payment import PaymentState, can_transition
from shared.payments.ports.payments import Hold, PaymentGateway
from shared.payments.services.stripe_webhook import EventHandler, RetryLater, StripeEvent

log = logging.getLogger(__name__)

AMOUNT_CAPTURABLE_UPDATED = "payment_intent.amount_capturable_updated"
PAYMENT_FAILED = "payment_intent.payment_failed"
CANCELED = "payment_intent.canceled"
SUCCEEDED = "payment_intent.succeeded"

CARD_AUTHORIZATION_VALIDITY = timedelta(days=7)
"""Stripe's default for an uncaptured card charge, used when the charge's own figure is unknown."""


def _capture_before(intent: dict[str, Any]) -> datetime | None:
    """From an expanded `latest_charge`; webhooks carry it as an id string, hence the refresher."""
    charge = intent.get("latest_charge")
    if not isinstance(charge, dict):
        return None
    card = (charge.get("payment_method_details") or {}).get("card") or {}
    stamp = card.get("capture_before")
    return datetime.fromtimestamp(stamp, UTC) if isinstance(stamp, int) else None


def authorization_fields(amount_capturable: Any, capture_before: datetime | None, authorized_at: datetime) -> Document:
    return {
        "amountCapturable": amount_capturable,
        "authorizedAt": authorized_at,
        "captureBefore": capture_before or authorized_at + CARD_AUTHORIZATION_VALIDITY,
    }


def _effect(target: PaymentState, event: StripeEvent, now: datetime) -> dict[str, Any]:
    intent = event["data"]["object"]
    if target is PaymentState.AUTHORIZED:
        created = event.get("created")
        authorized_at = datetime.fromtimestamp(created, UTC) if isinstance(created, int) else now
        return authorization_fields(intent.get("amount_capturable"), _capture_before(intent), authorized_at)
    if target is PaymentState.FAILED:
        error = intent.get("last_payment_error") or {}
        return {"failureCode": error.get("code"), "failureMessage": error.get("message"), "failedAt": now}
    if target is PaymentState.CAPTURED:
        return {"amountReceived": intent.get("amount_received"), "capturedAt": now}
    return {"cancellationReason": intent.get("cancellation_reason"), "canceledAt": now}


def _apply(
    tx: Transaction,
    payment_id: str,
    payment: Document,
    target: PaymentState,
    fields: Document,
    *,
    status: str | None,
    cause: str,
    action: str,
    actor: str,
    now: datetime,
) -> bool:
    current = PaymentState(payment["state"])
    if not can_transition(current, target):
        log.info("payment %s stays %s (late %s)", payment_id, current.value, action)
        return False
    tx.update(
        payment_repository.payment_path(payment_id),
        {"state": target.value, "status": status, "updatedAt": now, "lastEventId": cause, **fields},
    )
    tx.create(
        payment_repository.audit_path(payment_id, cause),
        {
            "paymentIntentId": payment_id,
            "callSessionId": payment.get("callSessionId"),
            "action": action,
            "fromState": current.value,
            "toState": target.value,
            "amount": payment.get("amount"),
            "currency": payment.get("currency"),
            "actor": actor,
            "eventId": cause,
            "at": now,
        },
    )
    return True


def payment_state_handler(target: PaymentState) -> EventHandler:
    def handle(tx: Transaction, event: StripeEvent, now: datetime) -> None:
        intent = event["data"]["object"]
        payment = tx.get(payment_repository.payment_path(intent["id"]))
        if payment is None:
            if (intent.get("metadata") or {}).get("callSessionId"):
                raise RetryLater(f"payment {intent['id']} is not recorded yet")
            log.info("stripe event %s is for a PaymentIntent this product did not create", event["id"])
            return
        _apply(
            tx,
            intent["id"],
            payment,
            target,
            _effect(target, event, now),
            status=intent.get("status"),
            cause=event["id"],
            action=event["type"],
            actor="stripe",
            now=now,
        )

    return handle


def record_authorization(tx: Transaction, hold: Hold, now: datetime) -> Document | None:
    """Record an authorisation learnt by asking Stripe (the webhook is late): the payment as it
    is now, or None when it is not recorded. All reads happen before the writes."""
    payment = tx.get(payment_repository.payment_path(hold.id))
    if payment is None:
        return None
    fields = authorization_fields(hold.amount_capturable, hold.capture_before, now)
    applied = _apply(
        tx,
        hold.id,
        payment,
        PaymentState.AUTHORIZED,
        fields,
        status=hold.status,
        cause="retrieved_authorized",
        action=AMOUNT_CAPTURABLE_UPDATED,
        actor="stripe_retrieve",
        now=now,
    )
    return {**payment, "state": PaymentState.AUTHORIZED.value, **fields} if applied else payment


def payment_intent_refresher(gateway: PaymentGateway) -> Callable[[StripeEvent], StripeEvent]:
    """An authorisation event carries `latest_charge` as an id: ask Stripe for the expanded
    charge so `captureBefore` is the card's own figure. When Stripe cannot be asked, the event is
    applied as delivered (its authorisation time + 7 days)."""

    def refresh(event: StripeEvent) -> StripeEvent:
        intent = event.get("data", {}).get("object") or {}
        if event.get("type") != AMOUNT_CAPTURABLE_UPDATED or isinstance(intent.get("latest_charge"), dict):
            return event
        try:
            hold = gateway.retrieve_hold(str(intent.get("id")))
        except PaymentGatewayError as exc:
            log.warning("could not expand the charge of %s: %s", intent.get("id"), exc)
            return event
        if hold.capture_before is None:
            return event
        charge = {
            "id": intent.get("latest_charge"),
            "payment_method_details": {"card": {"capture_before": int(hold.capture_before.timestamp())}},
        }
        return {**event, "data": {**event["data"], "object": {**intent, "latest_charge": charge}}}

    return refresh


PAYMENT_INTENT_HANDLERS: dict[str, EventHandler] = {
    AMOUNT_CAPTURABLE_UPDATED: payment_state_handler(PaymentState.AUTHORIZED),
    PAYMENT_FAILED: payment_state_handler(PaymentState.FAILED),
    CANCELED: payment_state_handler(PaymentState.RELEASED),
    SUCCEEDED: payment_state_handler(PaymentState.CAPTURED),
}
