"""Twilio's status and conference callbacks: kept at once, applied from a Cloud Task.

Twilio sends each callback once, in parallel with the others, and never retries one that got an
HTTP error. So the webhook does as little as possible: it verifies the signature, stores the raw
callback under an id derived from it (a duplicate finds it) and enqueues `processTwilioCallback`
with the same id, then answers 200. A call status is stored in `twilio_callbacks/{id}`; a
conference event among its session's events, where the conference's settlement reads it. The
task applies the callback and performs what it asks for (hang-ups, next dial, settlement, cost),
and is retried by Cloud Tasks when it fails or when the callback cannot be applied yet (an
earlier conference event is still missing). When both calls of an active session have ended and
`conference-end` has not come within the grace, the call is settled from Twilio's call records
(Twilio never resends it). `stuckPaymentsRecovery` applies a stored callback whose task never ran.
Progress statuses (initiated, ringing, answered) have no effect and are not stored.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.calls.adapters import session_repository
from shared.calls.ports.telephony import CallRecord, Telephony, TelephonyError
from shared.calls.services import twilio_callbacks
from shared.calls.services.conference_events import conference_event, event_document, event_number
from shared.calls.services.follow_ups import FollowUps
from shared.calls.services.record_settlement import settle_from_call_records
from shared.calls.services.twilio_results import CallbackResult
from shared.kernel.clock import Clock
from shared.kernel.store import Document, DocumentStore
from shared.kernel.tasks import TaskScheduler

log = logging.getLogger(__name__)

PROCESS_FUNCTION = "processTwilioCallback"
CALL_STATUS, CONFERENCE = "call_status", "conference"
UNPROCESSED_AFTER = timedelta(minutes=2)
_SAFE = re.compile(r"[^A-Za-z0-9_-]")


class CallbackNotApplicable(Exception):
    """The callback cannot be applied yet; the task is retried (Cloud Tasks backoff)."""


@dataclass(frozen=True)
class StoredCallback:
    """Where a stored callback is: by its id in `twilio_callbacks`, or, for a conference event,
    by its session and its id among the session's events."""

    callback_id: str
    call_session_id: str | None = None
    conference_event_id: str | None = None

    @classmethod
    def of(cls, kind: str, call_session_id: str, params: dict[str, str]) -> StoredCallback | None:
        """Where the callback of this kind and form is stored; None when it has no effect."""
        found = callback_id(kind, params)
        if found is None:
            return None
        number = event_number(params)
        if kind != CONFERENCE or number is None:
            return cls(found)
        return cls(found, call_session_id, session_repository.event_id(*number))

    @property
    def path(self) -> str:
        if self.call_session_id is None or self.conference_event_id is None:
            return session_repository.callback_path(self.callback_id)
        return session_repository.event_path(self.call_session_id, self.conference_event_id)

    def task_payload(self) -> dict[str, str]:
        payload = {"callbackId": self.callback_id}
        if self.call_session_id is not None and self.conference_event_id is not None:
            payload.update(callSessionId=self.call_session_id, conferenceEventId=self.conference_event_id)
        return payload


def callback_id(kind: str, params: dict[str, str]) -> str | None:
    """The id of a callback that has an effect, derived from what makes it unique; None for the
    ones that have none (progress statuses, malformed events)."""
    if kind == CALL_STATUS:
        status = params.get("CallStatus", "")
        if status not in twilio_callbacks.FINAL_CALL_STATUSES or not params.get("CallSid"):
            return None
        raw = f"call-{params['CallSid']}-{status}"
    else:
        number = event_number(params)
        if number is None:
            return None
        raw = f"conf-{number[0]}-{number[1]:04d}"
    return _SAFE.sub("_", raw)[:480]


def receive(
    kind: str,
    call_session_id: str,
    party: str,
    attempt: int,
    params: dict[str, str],
    *,
    store: DocumentStore,
    tasks: TaskScheduler,
    now: datetime,
) -> StoredCallback | None:
    """Store the callback and enqueue its processing; where it is (None when it has no effect)."""
    stored = StoredCallback.of(kind, call_session_id, params)
    if stored is None:
        return None
    callback: Document = {
        "kind": kind,
        "callSessionId": call_session_id,
        "party": party,
        "attempt": attempt,
        "params": params,
        "receivedAt": now,
        "processedAt": None,
    }
    number = event_number(params)
    if stored.conference_event_id is not None and number is not None:
        callback = {**event_document(params, number, now), **callback}
    store.create(stored.path, callback)
    # Enqueued again for a duplicate: a no-op when the first one was enqueued (same task id).
    tasks.enqueue(PROCESS_FUNCTION, stored.task_payload(), task_id=f"twilio-{stored.callback_id}")
    return stored


def process(
    callback: StoredCallback,
    *,
    store: DocumentStore,
    telephony: Telephony,
    clock: Clock,
    follow_ups: FollowUps,
) -> str:
    """Apply one stored callback and perform what it asks for: 'applied', 'done' (already) or
    'unknown'; raises CallbackNotApplicable when it must be tried again later."""
    path, found = callback.path, callback.callback_id
    doc = store.get(path)
    if doc is None:
        return "unknown"
    if doc.get("processedAt") is not None:
        return "done"
    # `sessionId`: stored before the field was named `callSessionId`.
    call_session_id = str(doc.get("callSessionId") or doc["sessionId"])
    params = dict(doc.get("params") or {})
    now = clock.now()
    result: CallbackResult
    if doc["kind"] == CALL_STATUS:
        result = twilio_callbacks.call_status(
            call_session_id, str(doc["party"]), int(doc["attempt"]), params, store=store, now=now
        )
        grace = result.calls_over_grace_seconds
        if grace is not None:
            if now - doc["receivedAt"] < timedelta(seconds=grace):
                raise CallbackNotApplicable(f"callback {found}: waiting for the conference end")
            ended = settle_from_call_records(
                call_session_id, store=store, telephony=telephony, clock=clock, hang_up_live=False
            )
            result.settle = result.settle or ended == "completed"
    else:
        received = doc if callback.conference_event_id is not None else None
        result = conference_event(
            call_session_id, params, store=store, now=now, records=_records(telephony), received=received
        )
    if result.retry_later:
        raise CallbackNotApplicable(f"callback {found} waits for an earlier conference event")
    follow_ups.perform(result, call_session_id)
    store.set(path, {"processedAt": clock.now()}, merge=True)
    return "applied"


def process_forgotten(
    *, store: DocumentStore, now: datetime, process_one: Callable[[StoredCallback], object]
) -> list[str]:
    """Apply stored callbacks whose task never ran (enqueueing failed after they were stored):
    the call statuses, then the conference events of every session; their ids."""
    unprocessed = [("processedAt", "==", None)]
    forgotten = [(StoredCallback(found), doc) for found, doc in store.find(session_repository.CALLBACKS, unprocessed)]
    for _, doc in store.find_in_group(session_repository.EVENTS, unprocessed):
        event = StoredCallback.of(CONFERENCE, str(doc.get("callSessionId")), dict(doc.get("params") or {}))
        if event is not None:
            forgotten.append((event, doc))
    done = []
    for callback, doc in forgotten:
        if doc.get("receivedAt") is None or doc["receivedAt"] > now - UNPROCESSED_AFTER:
            continue
        try:
            process_one(callback)
        except Exception:  # one callback must not stop the sweep
            log.warning("stored twilio callback %s still not applicable", callback.callback_id, exc_info=True)
            continue
        done.append(callback.callback_id)
    return done


def _records(telephony: Telephony) -> Callable[[str], CallRecord | None]:
    def record(call_sid: str) -> CallRecord | None:
        try:
            return telephony.call_record(call_sid)
        except TelephonyError as exc:
            log.warning("no Twilio record of %s: %s", call_sid, exc)
            return None

    return record
