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
    PARTIALLY_REFUNDED = "partially_refunded"  # captured, part of it given back
    REFUNDED = "refunded"  # captured, all of it given back

    @classmethod
    def _missing_(cls, value: object) -> PaymentState | None:
        return cls.RELEASED if value == LEGACY_RELEASED else None


LEGACY_RELEASED = "canceled"
"""What `payments.state` said of a released hold before the payment and its session shared one word."""


# A hold only moves to a higher rank. FAILED sits below AUTHORIZED because the client may
# retry with another card; CAPTURED and RELEASED end the hold. After a capture only refunds
# move the payment on (`refund_state`), never a Stripe event about the hold.
_RANK = {
    PaymentState.PENDING: 0,
    PaymentState.FAILED: 1,
    PaymentState.AUTHORIZED: 2,
    PaymentState.CAPTURED: 3,
    PaymentState.RELEASED: 3,
    PaymentState.PARTIALLY_REFUNDED: 4,
    PaymentState.REFUNDED: 5,
}

REFUNDABLE_STATES = frozenset({PaymentState.CAPTURED, PaymentState.PARTIALLY_REFUNDED})
TERMINAL_STATES = frozenset({*REFUNDABLE_STATES, PaymentState.RELEASED, PaymentState.REFUNDED})


def can_transition(current: PaymentState, target: PaymentState) -> bool:
    """True when moving from `current` to `target` is a forward move."""
    if current in TERMINAL_STATES or target in (PaymentState.PARTIALLY_REFUNDED, PaymentState.REFUNDED):
        return False
    return _RANK[target] > _RANK[current]


def refund_state(captured: int, refunded: int) -> PaymentState:
    """The state of a captured payment once `refunded` of its `captured` minor units went back."""
    if not 0 < refunded <= captured:
        raise ValueError(f"a refund total of {refunded} does not fit a capture of {captured}")
    return PaymentState.REFUNDED if refunded == captured else PaymentState.PARTIALLY_REFUNDED


def provider_share(refund: int, captured: int, provider_amount: int) -> int:
    """What a refund takes back from the provider's earnings: its share of the refund, rounded
    down (the platform keeps the rounding, as it keeps the remainder of every split)."""
    return refund * provider_amount // captured if captured else 0
