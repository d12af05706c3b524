"""Conference events of a session: stored by `ConferenceSid` and `SequenceNumber`, then applied.

Several conferences can share the session's friendly name (a party rejoining after the room
emptied opens a new one): the session binds to the first `ConferenceSid` it hears of and the
events of any other conference are kept but never applied. The call becomes active at
`conference-start` and is settled at `conference-end` once every event before it is known —
Twilio never retries a callback, so when one is still missing after the grace period the call
is settled anyway: a party's missing join is its acceptance time, a missing leave is the end
of its call in Twilio's REST record (else the conference end). Billing is the time both
parties shared the conference, from Twilio's own timestamps.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from shared.calls.adapters import session_repository
from shared.calls.domain.call_rules import Settlement, connected_seconds, settle_call
from shared.calls.domain.call_session import TERMINAL, CallSession, CallStatus, FailureReason, can_transition
from shared.calls.ports.telephony import CallRecord
from shared.calls.services.sessions import fail, finish
from shared.calls.services.twilio_results import CallbackResult
from shared.kernel.store import Document, DocumentStore, Transaction

log = logging.getLogger(__name__)

MAX_EVENTS = 100
END_WAITING = "conferenceEndWaitingSince"
"""Set when `conference-end` came before an event it needs: a mid-call event must then look."""
CallRecords = Callable[[str], CallRecord | None]
"""Twilio's REST record of a call by CallSid (None when it cannot be had)."""


def event_number(params: dict[str, str]) -> tuple[str, int] | None:
    """(ConferenceSid, SequenceNumber) of an event that can be applied; None for a malformed one."""
    sequence, conference_sid = params.get("SequenceNumber", ""), params.get("ConferenceSid", "")
    if not sequence.isdigit() or not 1 <= int(sequence) <= MAX_EVENTS or not conference_sid:
        return None
    return conference_sid, int(sequence)


def event_document(params: dict[str, str], number: tuple[str, int], now: datetime) -> Document:
    """The event numbered `number` as stored among its session's events (`now`: when it was received)."""
    return {
        "event": params.get("StatusCallbackEvent", ""),
        "sequence": number[1],
        "callSid": params.get("CallSid"),
        "conferenceSid": number[0],
        "timestamp": _timestamp(params.get("Timestamp"), now),
        "receivedAt": now,
    }


def conference_event(
    call_session_id: str,
    params: dict[str, str],
    *,
    store: DocumentStore,
    now: datetime,
    records: CallRecords | None = None,
    received: Document | None = None,
) -> CallbackResult:
    """Record the event (its own document: no contention) unless its webhook did (`received`), then
    apply what the events known so far imply. `retry_later` asks the caller to come back (a gap
    before `conference-end`)."""
    number = event_number(params)
    if number is None:
        return CallbackResult()
    conference_sid = number[0]
    this: Document = received if received is not None else event_document(params, number, now)
    path = session_repository.event_path(call_session_id, session_repository.event_id(*number))
    recorded = received is not None or store.create(path, this)
    doc = store.get(session_repository.session_path(call_session_id))
    if doc is None or CallStatus(doc["status"]) in TERMINAL:
        return CallbackResult(duplicate=not recorded)
    bound = (doc.get("conference") or {}).get("sid") or _bind(store, call_session_id, conference_sid)
    if bound != conference_sid:
        log.warning("session %s ignores conference %s (bound to %s)", call_session_id, conference_sid, bound)
        return CallbackResult(duplicate=not recorded)
    event = this["event"]
    if event != "conference-end" and not doc.get(END_WAITING):
        # Before the end, only its start changes the session (it becomes active): no other event needed.
        if event != "conference-start" or CallStatus(doc["status"]) is not CallStatus.CALLING_CLIENT:
            return CallbackResult(duplicate=not recorded)
        stored = events = [this]
    else:
        # Events never change once stored: one query gives them all, the transaction only needs the session.
        stored = _all_events(store, call_session_id, bound)
        events = _without_gap(stored)
    change = _change(doc, events)
    gaps_settled = False
    ended = next((e for e in stored if e["event"] == "conference-end"), None)
    if change is None and ended is None:
        return CallbackResult(duplicate=not recorded)
    if change is None and ended is not None:
        grace = session_repository.session_of(store, call_session_id, doc).rules.conference_gap_grace_seconds
        if now - ended["receivedAt"] < timedelta(seconds=grace):
            if not doc.get(END_WAITING):  # the events that fill the gap settle the call at once
                store.set(
                    session_repository.session_path(call_session_id), {END_WAITING: ended["receivedAt"]}, merge=True
                )
            return CallbackResult(duplicate=not recorded, retry_later=True)
        events, gaps_settled, change = stored, True, "over"
    if change is None:
        return CallbackResult(duplicate=not recorded)
    leaves = _call_ends(doc, records) if gaps_settled else {}

    def apply(tx: Transaction) -> CallbackResult:
        view = session_repository.get(tx, call_session_id)
        if view is None or view.status in TERMINAL:
            return CallbackResult()
        if change == "active":
            if view.status is not CallStatus.CALLING_CLIENT:
                return CallbackResult()
            tx.update(
                session_repository.session_path(call_session_id),
                {
                    "status": CallStatus.ACTIVE.value,
                    "conference.startedAt": _first(events, "conference-start"),
                    "updatedAt": now,
                },
            )
            return CallbackResult()
        return _over(tx, view, events, now, leaves, gaps_settled)

    result: CallbackResult = store.run_transaction(apply)
    return result


def _bind(store: DocumentStore, call_session_id: str, conference_sid: str) -> str | None:
    def apply(tx: Transaction) -> str | None:
        doc = tx.get(session_repository.session_path(call_session_id))
        if doc is None:
            return None
        bound = (doc.get("conference") or {}).get("sid")
        if bound:
            return str(bound)
        tx.update(session_repository.session_path(call_session_id), {"conference.sid": conference_sid})
        return conference_sid

    bound: str | None = store.run_transaction(apply)
    return bound


def _without_gap(events: list[Document]) -> list[Document]:
    """Events 1..n without a gap (a later one is useless until the gap is filled)."""
    known: list[Document] = []
    for expected, event in enumerate(events, start=1):
        if int(event.get("sequence", 0)) != expected:
            break
        known.append(event)
    return known


def _all_events(store: DocumentStore, call_session_id: str, conference_sid: str) -> list[Document]:
    found = store.find(
        session_repository.events_path(call_session_id), [("conferenceSid", "==", conference_sid)], limit=MAX_EVENTS
    )
    return sorted((doc for _, doc in found), key=lambda e: int(e.get("sequence", 0)))


def _first(events: list[Document], name: str) -> datetime | None:
    return next((e["timestamp"] for e in events if e["event"] == name), None)


def _change(doc: Document, events: list[Document]) -> str | None:
    if _first(events, "conference-end") is not None:
        return "over"
    if _first(events, "conference-start") is not None and CallStatus(doc["status"]) is CallStatus.CALLING_CLIENT:
        return "active"
    return None


def _call_ends(doc: Document, records: CallRecords | None) -> dict[str, datetime]:
    """When each party's call ended, from Twilio's REST record (asked outside any transaction)."""
    ends: dict[str, datetime] = {}
    for party in ("provider", "client"):
        call_sid = (doc.get("participants") or {}).get(party, {}).get("callSid")
        record = records(str(call_sid)) if records is not None and call_sid else None
        if record is not None and record.ended_at is not None:
            ends[str(call_sid)] = record.ended_at
    return ends


def _presence(
    events: list[Document], participant: dict[str, Any], ended: datetime, leaves: dict[str, datetime], fill_gaps: bool
) -> tuple[datetime, datetime] | None:
    """When a call was in the conference: its first join to its leave (else, when settling with
    gaps, its acceptance for a lost join and its call's end in Twilio's record for a lost leave;
    the conference end bounds both)."""
    call_sid = participant.get("callSid")
    if not call_sid:
        return None
    joins = [e["timestamp"] for e in events if e["event"] == "participant-join" and e.get("callSid") == call_sid]
    accepted = participant.get("acceptedAt")
    if joins:
        joined = joins[0]
    elif fill_gaps and participant.get("state") == "accepted" and isinstance(accepted, datetime):
        joined = accepted
    else:
        return None
    out = [e["timestamp"] for e in events if e["event"] == "participant-leave" and e.get("callSid") == call_sid]
    left = out[-1] if out else min(leaves.get(str(call_sid), ended), ended)
    return joined, left


def _over(
    tx: Transaction,
    view: CallSession,
    events: list[Document],
    now: datetime,
    leaves: dict[str, datetime],
    gaps_settled: bool,
) -> CallbackResult:
    started, ended = _first(events, "conference-start"), _first(events, "conference-end")
    assert ended is not None
    update: dict[str, Any] = {"conference.endedAt": ended, "conference.startedAt": started}
    if gaps_settled:
        update["conference.settledWithGaps"] = True
    result = CallbackResult(settle=True)
    provider = _presence(events, view.participant("provider"), ended, leaves, gaps_settled)
    client = _presence(events, view.participant("client"), ended, leaves, gaps_settled)
    if (provider is None or client is None) and view.status is not CallStatus.ACTIVE:
        # Nobody to talk to: the provider left (or never joined) before the client was there.
        client_sid = view.participant("client").get("callSid")
        if client_sid and view.participant("client").get("state") not in ("no_answer", "declined"):
            result.hang_up.append(client_sid)
        extra = {**update, "connectedSeconds": 0, "billable": False}
        fail(tx, view, FailureReason.PROVIDER_LEFT, now=now, extra=extra)
        return result
    if not (view.status is CallStatus.ACTIVE or can_transition(view.status, CallStatus.ACTIVE)):
        return CallbackResult()  # cannot happen in order; the recovery cron settles stuck sessions
    # Both were there from the later join, and never before the conference started.
    seconds = (
        0
        if provider is None or client is None
        else connected_seconds(max(provider[0], client[0], started or provider[0]), min(provider[1], client[1]))
    )
    outcome = settle_call(seconds, view.rules.min_billable_seconds)
    update.update({"connectedSeconds": seconds, "billable": outcome.settlement is Settlement.CAPTURE})
    active = view.as_active()
    finish(tx, active, CallStatus.COMPLETED, now=now, settlement=outcome.settlement, extra=update)
    return result


def _timestamp(raw: str | None, fallback: datetime) -> datetime:
    if not raw:
        return fallback
    try:
        return parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return fallback
