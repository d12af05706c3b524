"""The booking payment (a card hold) and its forward-only lifecycle."""

from __future__ import annotations

from enum import StrEnum


class PaymentState(StrEnum):
    PENDING = "pending"  # PaymentIntent created, card not yet authorised
    FAILED = "failed"  # an authorisation attempt failed; the client may retry
    AUTHORIZED = "authorized"  # hold in place (Stripe status requires_capture)
    CAPTURED = "captured"
    CANCELED = "canceled"


# A payment only moves to a higher rank. FAILED sits below AUTHORIZED because the client
# may retry with another card; CAPTURED and CANCELED are final.
_RANK = {
    PaymentState.PENDING: 0,
    PaymentState.FAILED: 1,
    PaymentState.AUTHORIZED: 2,
    PaymentState.CAPTURED: 3,
    PaymentState.CANCELED: 3,
}

TERMINAL_STATES = frozenset({PaymentState.CAPTURED, PaymentState.CANCELED})


def can_transition(current: PaymentState, target: PaymentState) -> bool:
    """True when moving from `current` to `target` is a forward move."""
    if current in TERMINAL_STATES:
        return False
    return _RANK[target] > _RANK[current]
