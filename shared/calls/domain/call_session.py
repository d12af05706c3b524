"""The booked call's lifecycle: an explicit, forward-only state machine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from shared.calls.domain.call_rules import Settlement
from shared.calls.domain.settings import CallSettings


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


# Written with the final state: Twilio's price is asked after the commit, and should that never
# happen (a crash, a timeout), `completeCallCosts` still finds the session by `pending`.
COST_NOT_ASKED_YET: dict[str, Any] = {
    "micros": 0,
    "currency": "usd",
    "calls": 0,
    "complete": False,
    "pending": True,
    "checks": 0,
}


@dataclass(frozen=True)
class Notice:
    """What the client is told when the call ends: a mail template, and whether an SMS too."""

    template: str
    sms: bool


@dataclass
class CallSession:
    """A booked call as stored in `call_sessions/{callSessionId}`: its parties and their
    attempts, the conference, and how it ends (status, settlement, the client's notice).

    `rules` is `settings/calls` as it was when the call was booked: an admin's change applies
    from the next booking on, never halfway through a call."""

    id: str
    doc: dict[str, Any]

    @property
    def status(self) -> CallStatus:
        return CallStatus(self.doc["status"])

    @property
    def rules(self) -> CallSettings:
        return CallSettings.from_document(self.doc.get("rules"))

    @property
    def provider_id(self) -> str:
        return str(self.doc["providerId"])

    @property
    def client_id(self) -> str:
        return str(self.doc["clientId"])

    def participant(self, party: str) -> dict[str, Any]:
        participant: dict[str, Any] = self.doc.get("participants", {}).get(party, {})
        return participant

    def party_of(self, call_sid: str) -> str | None:
        for party in Party:
            if self.participant(party.value).get("callSid") == call_sid:
                return party.value
        return None

    def as_active(self) -> CallSession:
        """The session as if `conference-start` had been applied (its end may come first)."""
        return CallSession(self.id, {**self.doc, "status": CallStatus.ACTIVE.value})

    def end(
        self,
        target: CallStatus,
        *,
        now: datetime,
        settlement: Settlement,
        reason: FailureReason | None = None,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The fields that make the session final, the payment to be settled as `settlement`;
        IllegalTransition when it cannot end that way from where it is."""
        transition(self.status, target)
        update: dict[str, Any] = {
            **(extra or {}),
            "status": target.value,
            "endedAt": now,
            "updatedAt": now,
            "payment": {**self.doc.get("payment", {}), "action": settlement.value, "state": "pending"},
            "twilioCost": dict(COST_NOT_ASKED_YET),
        }
        if reason is not None:
            update["failureReason"] = reason.value
        return update

    @staticmethod
    def notice(target: CallStatus, reason: FailureReason | None) -> Notice:
        if target is CallStatus.COMPLETED:
            return Notice("call_completed", sms=True)
        if reason is FailureReason.PROVIDER_NO_ANSWER:
            return Notice("provider_no_answer", sms=True)
        return Notice("call_failed", sms=False)

    @staticmethod
    def provider_missed(reason: FailureReason | None) -> bool:
        """A call the provider did not answer counts as missed (enough of them: offline)."""
        return reason is FailureReason.PROVIDER_NO_ANSWER
