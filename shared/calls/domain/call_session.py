"""The booked call's lifecycle: an explicit, forward-only state machine."""

from __future__ import annotations

from enum import StrEnum


class CallStatus(StrEnum):
    SCHEDULED = "scheduled"  # session created, task enqueued, provider marked busy
    CALLING_PROVIDER = "calling_provider"
    PROVIDER_CONNECTED = "provider_connected"  # provider pressed 1 and waits in the conference
    CALLING_CLIENT = "calling_client"
    ACTIVE = "active"  # both parties in the conference
    COMPLETED = "completed"  # conference ended (captured or released by duration)
    FAILED = "failed"
    CANCELLED = "cancelled"


class FailureReason(StrEnum):
    PROVIDER_NO_ANSWER = "provider_no_answer"
    CLIENT_NO_ANSWER = "client_no_answer"
    PROVIDER_LEFT = "provider_left"  # hung up before the client joined
    CLIENT_LEFT = "client_left"  # hung up after accepting, before the conference started
    PROVIDER_UNREACHABLE = "provider_unreachable"  # Twilio refused to call the number (21215, 21211...)
    CLIENT_UNREACHABLE = "client_unreachable"
    TWILIO_UNAVAILABLE = "twilio_unavailable"
    PAYMENT_INVALID = "payment_invalid"
    STUCK = "stuck"  # failed by the payment recovery job after no progress


class Party(StrEnum):
    PROVIDER = "provider"
    CLIENT = "client"


TERMINAL = frozenset({CallStatus.COMPLETED, CallStatus.FAILED, CallStatus.CANCELLED})

_NEXT: dict[CallStatus, frozenset[CallStatus]] = {
    CallStatus.SCHEDULED: frozenset({CallStatus.CALLING_PROVIDER, CallStatus.FAILED, CallStatus.CANCELLED}),
    CallStatus.CALLING_PROVIDER: frozenset({CallStatus.PROVIDER_CONNECTED, CallStatus.FAILED, CallStatus.CANCELLED}),
    CallStatus.PROVIDER_CONNECTED: frozenset({CallStatus.CALLING_CLIENT, CallStatus.FAILED, CallStatus.CANCELLED}),
    CallStatus.CALLING_CLIENT: frozenset({CallStatus.ACTIVE, CallStatus.FAILED, CallStatus.CANCELLED}),
    CallStatus.ACTIVE: frozenset({CallStatus.COMPLETED}),
    CallStatus.COMPLETED: frozenset(),
    CallStatus.FAILED: frozenset(),
    CallStatus.CANCELLED: frozenset(),
}


class IllegalTransition(Exception):
    def __init__(self, current: CallStatus, target: CallStatus) -> None:
        super().__init__(f"call session cannot go from {current.value} to {target.value}")
        self.current = current
        self.target = target


def can_transition(current: CallStatus, target: CallStatus) -> bool:
    return target in _NEXT[current]


def transition(current: CallStatus, target: CallStatus) -> CallStatus:
    if not can_transition(current, target):
        raise IllegalTransition(current, target)
    return target


def calling_status(party: Party) -> CallStatus:
    return CallStatus.CALLING_PROVIDER if party is Party.PROVIDER else CallStatus.CALLING_CLIENT


def unreachable_reason(party: Party) -> FailureReason:
    return FailureReason.PROVIDER_UNREACHABLE if party is Party.PROVIDER else FailureReason.CLIENT_UNREACHABLE


def left_reason(party: Party) -> FailureReason:
    return FailureReason.PROVIDER_LEFT if party is Party.PROVIDER else FailureReason.CLIENT_LEFT


def no_answer_reason(party: Party) -> FailureReason:
    return FailureReason.PROVIDER_NO_ANSWER if party is Party.PROVIDER else FailureReason.CLIENT_NO_ANSWER
