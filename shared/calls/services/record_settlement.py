"""Ending an `active` session that the conference callbacks never closed, from Twilio's record.

Used by `stuckPaymentsRecovery` for sessions still active past the longest possible call (or
whose hold lapses soon): Twilio's REST record of both parties' calls says when each ended. The
billable time is the time both were there: from the conference start the session recorded (the
second participant's join; else the later of the two answers) to the earlier of the two ends.
A call Twilio still shows in progress is hung up first and counted up to now. Twilio is asked
outside the transaction; the transaction then finishes the session as the conference end would.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from shared.calls.adapters import session_repository
from shared.calls.domain.call_rules import Settlement, connected_seconds, settle_call
from shared.calls.domain.call_session import CallStatus
from shared.calls.ports.telephony import CallRecord, Telephony, TelephonyError
from shared.calls.services.sessions import finish
from shared.kernel.clock import Clock
from shared.kernel.store import DocumentStore, Transaction

log = logging.getLogger(__name__)

PARTIES = ("provider", "client")


@dataclass(frozen=True)
class _Presence:
    answered: datetime | None
    ended: datetime


def settle_from_call_records(
    call_session_id: str, *, store: DocumentStore, telephony: Telephony, clock: Clock, hang_up_live: bool
) -> str:
    """'completed' (the session is now finished, its settlement decided), 'live' (a call is still
    in progress and `hang_up_live` is False), 'skipped' (no longer active) or 'no_record'."""
    doc = store.get(session_repository.session_path(call_session_id))
    if doc is None or doc.get("status") != CallStatus.ACTIVE.value:
        return "skipped"
    presences: dict[str, _Presence] = {}
    for party in PARTIES:
        call_sid = (doc.get("participants") or {}).get(party, {}).get("callSid")
        if not call_sid:
            return "no_record"
        try:
            record = telephony.call_record(str(call_sid))
            if not record.final:
                if not hang_up_live:
                    return "live"
                telephony.hang_up(str(call_sid))
                record = CallRecord(record.status, record.started_at, clock.now())
        except TelephonyError as exc:
            log.warning("no Twilio record of %s for session %s: %s", call_sid, call_session_id, exc)
            return "no_record"
        presences[party] = _Presence(record.started_at, record.ended_at or clock.now())
    rules = session_repository.session_of(store, call_session_id, doc).rules
    started = doc.get("conference", {}).get("startedAt")
    both_there = started if isinstance(started, datetime) else _later_answer(presences)
    ended = min(p.ended for p in presences.values())
    seconds = connected_seconds(both_there, ended) if both_there is not None else 0
    outcome = settle_call(seconds, rules.min_billable_seconds)

    def apply(tx: Transaction) -> str:
        view = session_repository.get(tx, call_session_id)
        if view is None or view.status is not CallStatus.ACTIVE:
            return "skipped"
        finish(
            tx,
            view,
            CallStatus.COMPLETED,
            now=clock.now(),
            settlement=outcome.settlement,
            extra={
                "connectedSeconds": seconds,
                "billable": outcome.settlement is Settlement.CAPTURE,
                "conference.endedAt": ended,
                "settledFrom": "twilio_call_records",
            },
        )
        return "completed"

    result: str = store.run_transaction(apply)
    if result == "completed":
        log.warning("session %s settled from Twilio's call records: %s s", call_session_id, seconds)
    return result


def _later_answer(presences: dict[str, _Presence]) -> datetime | None:
    answers = [p.answered for p in presences.values()]
    return None if any(a is None for a in answers) else max(a for a in answers if a is not None)
