"""executeScheduledCall: place one dial attempt for one party, at most once.

The attempt is claimed in a transaction (a redelivered or late task finds the claim, or a
session that moved on, and does nothing); Twilio is called after the commit. A claim is a lease:
should the claimer die before Twilio's CallSid is recorded, the redelivered task (Cloud Tasks
retries a failed one) takes the attempt over once the lease has run out, and dials. A REST failure
feeds the circuit breaker: while it is open, or when attempts run out, the session fails fast
and its hold is released; otherwise the next attempt is enqueued with backoff.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shared.calls.adapters import session_repository
from shared.calls.domain.call_rules import backoff_seconds
from shared.calls.domain.call_session import (
    CallSession,
    CallStatus,
    FailureReason,
    Party,
    calling_status,
    can_transition,
    unreachable_reason,
)
from shared.calls.domain.circuit_breaker import Breaker
from shared.calls.domain.settings import CallSettings
from shared.calls.ports.phone_vault import PhoneVault
from shared.calls.ports.telephony import DialRequest, Telephony, TelephonyError
from shared.calls.services.scheduling import EXECUTE_CALL_FUNCTION, call_task_id
from shared.calls.services.sessions import CallbackUrls, fail
from shared.kernel.clock import Clock
from shared.kernel.errors import Aborted
from shared.kernel.store import DocumentStore, Transaction
from shared.kernel.tasks import TaskScheduler

log = logging.getLogger(__name__)
DIAL_CLAIM_LEASE = timedelta(seconds=75)
"""Longer than executeScheduledCall's 60 s timeout: a claimer this old is dead."""


@dataclass(frozen=True)
class DialTask:
    call_session_id: str
    party: Party
    attempt: int

    @classmethod
    def parse(cls, data: Any) -> DialTask:
        """The task of a payload (`task_payloads.DialTaskPayload`); InvalidArgument names the field."""
        from shared.calls.services.task_payloads import dial_task_payload

        payload = dial_task_payload(data)
        return cls(payload.callSessionId, Party(payload.party), payload.attempt)

    def payload(self) -> dict[str, Any]:
        return {"callSessionId": self.call_session_id, "party": self.party.value, "attempt": self.attempt}


@dataclass(frozen=True)
class _Claim:
    phone_sealed: str
    rules: CallSettings


class _Skip:
    def __init__(self, why: str, hang_up: list[str] | None = None) -> None:
        self.why = why
        self.hang_up = hang_up or []


def _waiting_provider(view: CallSession, party: Party) -> list[str]:
    """The provider's call when they accepted and wait in the conference for the client."""
    provider = view.participant("provider")
    if party is Party.CLIENT and provider.get("state") == "accepted" and provider.get("callSid"):
        return [str(provider["callSid"])]
    return []


def _hang_up(telephony: Telephony, call_sids: list[str]) -> None:
    for call_sid in call_sids:
        try:
            telephony.hang_up(call_sid)
        except TelephonyError:
            log.warning("could not hang up %s", call_sid)


def enqueue_attempt(tasks: TaskScheduler, task: DialTask, delay_seconds: int) -> None:
    tasks.enqueue(
        EXECUTE_CALL_FUNCTION,
        task.payload(),
        task_id=call_task_id(task.call_session_id, task.party.value, task.attempt),
        delay_seconds=delay_seconds,
    )


def execute_dial(
    task: DialTask,
    *,
    store: DocumentStore,
    telephony: Telephony,
    vault: PhoneVault,
    tasks: TaskScheduler,
    clock: Clock,
    urls: CallbackUrls,
    settle: Any,
) -> str:
    """Returns what happened (for logs and tests): dialed, skipped:<why>, retry, failed."""
    breaker = Breaker.from_document(store.get(session_repository.BREAKER_PATH))
    outcome = store.run_transaction(lambda tx: _claim(tx, task, clock.now(), breaker))
    if isinstance(outcome, _Skip):
        log.info("dial %s skipped: %s", task, outcome.why)
        if outcome.why == "breaker_open":
            _hang_up(telephony, outcome.hang_up)
            settle(task.call_session_id)
        return f"skipped:{outcome.why}"
    session, party, attempt = task.call_session_id, task.party.value, task.attempt
    request = DialRequest(
        to=vault.open(outcome.phone_sealed),
        answer_url=urls.answer(session, party, attempt),
        status_callback=urls.status(session, party, attempt),
        amd_callback=urls.amd(session, party, attempt),
        timeout_seconds=outcome.rules.ring_timeout_seconds,
    )
    try:
        call_sid = telephony.place_call(request)
    except TelephonyError as exc:
        log.warning("dial %s failed: %s", task, exc)
        if not exc.retryable:
            # Not an outage: Twilio refuses this number (geographic permission, invalid...). The
            # party is not tried again and the breaker, which guards against outages, is untouched.
            code = exc.code
            verdict, hang_up = store.run_transaction(lambda tx: _refused(tx, task, clock.now(), code))
            if verdict == "failed":
                _hang_up(telephony, hang_up)
                settle(task.call_session_id)
            return verdict
        verdict, hang_up = store.run_transaction(lambda tx: _dial_failed(tx, task, clock.now()))
        if verdict == "failed":
            _hang_up(telephony, hang_up)
            settle(task.call_session_id)
        elif verdict == "retry":
            delay = backoff_seconds(attempt + 1, outcome.rules.backoff_base_seconds)
            enqueue_attempt(tasks, DialTask(session, task.party, attempt + 1), delay)
        return verdict
    store.run_transaction(lambda tx: _dialed(tx, task, call_sid))
    if breaker.consecutive_failures or breaker.open_until:
        store.set(session_repository.BREAKER_PATH, breaker.record_success().to_document())
    return "dialed"


def _claim(tx: Transaction, task: DialTask, now: datetime, breaker: Breaker) -> _Claim | _Skip:
    view = session_repository.get(tx, task.call_session_id)
    if view is None:
        return _Skip("no_session")
    participant = view.participant(task.party.value)
    claimed = int(participant.get("attempt", 0))
    if claimed > task.attempt:
        return _Skip("duplicate")
    if claimed == task.attempt:
        if participant.get("state") != "dialing" or participant.get("callSid"):
            return _Skip("duplicate")
        dialed_at = participant.get("dialedAt")
        if isinstance(dialed_at, datetime) and now - dialed_at < DIAL_CLAIM_LEASE:
            # The claimer may still be dialling: fail this delivery so the task comes back later.
            raise Aborted(f"dial {task.call_session_id}/{task.party.value}/{task.attempt} is claimed; retry later")
        log.warning("dial %s taken over: its claimer died before recording a CallSid", task)
    target = calling_status(task.party)
    if view.status is not target and not can_transition(view.status, target):
        return _Skip(f"session_{view.status.value}")
    if task.party is Party.CLIENT and view.participant("provider").get("state") != "accepted":
        return _Skip("provider_not_connected")
    if not breaker.allows(now):
        fail(tx, view, FailureReason.TWILIO_UNAVAILABLE, now=now)
        return _Skip("breaker_open", _waiting_provider(view, task.party))
    tx.update(
        session_repository.session_path(task.call_session_id),
        {
            "status": target.value,
            f"participants.{task.party.value}": {"attempt": task.attempt, "state": "dialing", "dialedAt": now},
            "updatedAt": now,
        },
    )
    sealed = view.doc["providerPhoneSealed" if task.party is Party.PROVIDER else "clientPhoneSealed"]
    return _Claim(sealed, view.rules)


def _dialed(tx: Transaction, task: DialTask, call_sid: str) -> None:
    doc = tx.get(session_repository.session_path(task.call_session_id)) or {}
    participant = doc.get("participants", {}).get(task.party.value, {})
    if participant.get("attempt") == task.attempt and participant.get("state") == "dialing":
        tx.update(
            session_repository.session_path(task.call_session_id),
            {
                f"participants.{task.party.value}.callSid": call_sid,
                f"participants.{task.party.value}.state": "ringing",
                # Every attempt's call is kept: each one Twilio connected is billed.
                f"calls.{call_sid}": {"party": task.party.value, "attempt": task.attempt},
            },
        )


def _refused(tx: Transaction, task: DialTask, now: datetime, code: int | None) -> tuple[str, list[str]]:
    """("failed" | "ended", calls to hang up once committed): the number cannot be called."""
    view = session_repository.get(tx, task.call_session_id)
    if view is None or view.status in (CallStatus.COMPLETED, CallStatus.FAILED, CallStatus.CANCELLED):
        return "ended", []
    marked = {
        f"participants.{task.party.value}.state": "unreachable",
        f"participants.{task.party.value}.twilioErrorCode": code,
    }
    fail(tx, view, unreachable_reason(task.party), now=now, extra=marked)
    return "failed", _waiting_provider(view, task.party)


def _dial_failed(tx: Transaction, task: DialTask, now: datetime) -> tuple[str, list[str]]:
    """("retry" | "ended" | "failed", calls to hang up once committed)."""
    view = session_repository.get(tx, task.call_session_id)
    settings = view.rules if view is not None else CallSettings()
    breaker = Breaker.from_document(tx.get(session_repository.BREAKER_PATH)).record_failure(
        now, settings.breaker_failure_threshold, timedelta(seconds=settings.breaker_open_seconds)
    )
    if view is None or view.status in (CallStatus.COMPLETED, CallStatus.FAILED, CallStatus.CANCELLED):
        tx.set(session_repository.BREAKER_PATH, breaker.to_document())
        return "ended", []
    marked = {f"participants.{task.party.value}.state": "dial_failed"}
    if breaker.allows(now) and task.attempt < settings.max_attempts_per_party:
        tx.update(session_repository.session_path(task.call_session_id), marked)
        tx.set(session_repository.BREAKER_PATH, breaker.to_document())
        return "retry", []
    fail(tx, view, FailureReason.TWILIO_UNAVAILABLE, now=now, extra=marked)
    tx.set(session_repository.BREAKER_PATH, breaker.to_document())
    return "failed", _waiting_provider(view, task.party)
