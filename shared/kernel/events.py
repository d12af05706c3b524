"""Domain events: what one area tells the others, written in the same transaction as the effect
it announces (an outbox), so an event exists exactly when its effect does.

An event's id derives from the effect (`payment_refunded:{paymentIntentId}:{refundId}`), so a
retried or redelivered effect writes it once. Consumers react to `domain_events/{id}` and apply
each id once through the ledger (`shared.kernel.ledger`); the events themselves are never edited.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.kernel.store import Collection, Transaction

EVENTS = Collection("domain_events")
PAYMENT_CAPTURED = "payment.captured"
"""A call's hold was captured. Data: callSessionId, paymentIntentId, amount (captured), currency,
providerEarnings, clientId, providerId, capturedAt."""
PAYMENT_REFUNDED = "payment.refunded"
"""Part or all of a captured call payment was given back (a refund, or a dispute lost).
Data: callSessionId, paymentIntentId, refundId, amount, currency, refundedTotal, capturedAmount,
clientId, providerId, reason."""

event_path = EVENTS.doc


def emit(tx: Transaction, event_id: str, event_type: str, data: dict[str, Any], *, now: datetime) -> None:
    """Queue the event in the caller's transaction (after its reads)."""
    tx.set(event_path(event_id), {"type": event_type, "data": data, "occurredAt": now})
