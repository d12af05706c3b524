"""The booking payment (a card hold) and its forward-only lifecycle.

One vocabulary for the payment and its session (`call_sessions.payment.state`): a hold is
authorised, then captured or released. Stripe's own word (`canceled`) stays in the raw
`status` mirror only.
"""

from __future__ import annotations

from enum import StrEnum


class PaymentState(StrEnum):
    PENDING = "pending"  # PaymentIntent created, card not yet authorised
    FAILED = "failed"  # an authorisation attempt failed; the client may retry
    AUTHORIZED = "authorized"  # hold in place (Stripe status requires_capture)
    CAPTURED = "captured"
    RELEASED = "released"  # the hold was cancelled at Stripe: nothing charged

    @classmethod
    def _missing_(cls, value: object) -> PaymentState | None:
        return cls.RELEASED if value == LEGACY_RELEASED else None


LEGACY_RELEASED = "canceled"
"""What `payments.state` said of a released hold before the payment and its session shared one word."""


# A payment only moves to a higher rank. FAILED sits below AUTHORIZED because the client
# may retry with another card; CAPTURED and RELEASED are final.
_RANK = {
    PaymentState.PENDING: 0,
    PaymentState.FAILED: 1,
    PaymentState.AUTHORIZED: 2,
    PaymentState.CAPTURED: 3,
    PaymentState.RELEASED: 3,
}

TERMINAL_STATES = frozenset({PaymentState.CAPTURED, PaymentState.RELEASED})


def can_transition(current: PaymentState, target: PaymentState) -> bool:
    """True when moving from `current` to `target` is a forward move."""
    if current in TERMINAL_STATES:
        return False
    return _RANK[target] > _RANK[current]
