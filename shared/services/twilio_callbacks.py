"""Twilio webhooks of the call sequence: answer/Gather, AMD, call status, conference events.

Each callback is verified by the entrypoint, then applied through the session's transaction.
Call-status callbacks decide the fate of attempts that were never accepted (no answer, busy,
voicemail, refusal). Once a party accepted, the conference events decide: they are stored by
`SequenceNumber` and the call is settled only when every event up to `conference-end` is
known, so duplicated or reordered callbacks give the same outcome, computed from Twilio's
own timestamps.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from shared.domain.call_rules import Settlement, connected_seconds, settle_call
from shared.domain.call_script import AskForDigit, CallScript, HangUp, JoinConference, Say
from shared.domain.call_session import TERMINAL, CallStatus, FailureReason, Party, can_transition, no_answer_reason
from shared.domain.ivr import prompt
from shared.domain.settings import CallSettings
from shared.ports.store import DocumentStore, Transaction
from shared.ports.tasks import TaskScheduler
from shared.ports.telephony import Telephony, TelephonyError
from shared.services.call_dialing import DialTask, enqueue_attempt
from shared.services.call_sessions import CallbackUrls, SessionView, fail, finish, read_session, session_path

log = logging.getLogger(__name__)
FINAL_CALL_STATUSES = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})
MACHINE_ANSWERS = frozenset({"machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other", "fax"})


@dataclass
class CallbackResult:
    """What the entrypoint does after the commit: settle, dial next, hang up calls."""

    script: CallScript | None = None
    settle: bool = False
    next_dial: tuple[Party, int] | None = None
    hang_up: list[str] = field(default_factory=list)
    duplicate: bool = False


def _language(view: SessionView | None, party: str) -> str:
    if view is None:
        return "en"
    return str(view.doc.get("providerLanguage" if party == "provider" else "clientLanguage", "en"))


def _unavailable(language: str) -> CallScript:
    return CallScript((Say(prompt("unavailable", language)), HangUp()))


def _join(view: SessionView, party: str, urls: CallbackUrls) -> CallScript:
    language = _language(view, party)
    is_client = party == "client"
    return CallScript(
        (
            Say(prompt("connecting", language)),
            JoinConference(
                name=view.id,
                status_callback=urls.conference(view.id),
                start_on_enter=is_client,
                end_on_exit=True,
                time_limit_seconds=int(view.doc.get("durationMinutes", 30)) * 60 + 300,
            ),
        )
    )


def answer(session_id: str, party: str, attempt: int, *, store: DocumentStore, urls: CallbackUrls) -> CallScript:
    """TwiML for a party who just picked up: ask to press 1, in their language."""
    doc = store.get(session_path(session_id))
    view = SessionView(session_id, doc, []) if doc else None
    language = _language(view, party)
    if view is None or view.status in TERMINAL or view.participant(party).get("attempt") != attempt:
        return _unavailable(language)
    offer = "provider_offer" if party == "provider" else "client_offer"
    return CallScript(
        (
            AskForDigit(prompt(offer, language), urls.answer(session_id, party, attempt)),
            Say(prompt("no_input", language)),
            HangUp(),
        )
    )


def gather(
    session_id: str,
    party: str,
    attempt: int,
    call_sid: str,
    digits: str,
    *,
    store: DocumentStore,
    urls: CallbackUrls,
    now: datetime,
) -> CallbackResult:
    return store.run_transaction(lambda tx: _gather(tx, session_id, party, attempt, call_sid, digits, urls, now))


def _gather(
    tx: Transaction,
    session_id: str,
    party: str,
    attempt: int,
    call_sid: str,
    digits: str,
    urls: CallbackUrls,
    now: datetime,
) -> CallbackResult:
    view = read_session(tx, session_id)
    language = _language(view, party)
    if view is None or view.status in TERMINAL or view.participant(party).get("attempt") != attempt:
        return CallbackResult(script=_unavailable(language))
    participant = view.participant(party)
    if participant.get("state") == "accepted":
        return CallbackResult(script=_join(view, party, urls), duplicate=True)
    if digits != "1":
        tx.update(
            session_path(session_id),
            {f"participants.{party}.state": "declined", f"participants.{party}.callSid": call_sid},
        )
        return CallbackResult(script=CallScript((Say(prompt("declined", language)), HangUp())))
    update: dict[str, Any] = {
        f"participants.{party}.state": "accepted",
        f"participants.{party}.callSid": call_sid,
        f"participants.{party}.acceptedAt": now,
        "updatedAt": now,
    }
    result = CallbackResult(script=_join(view, party, urls))
    if party == "provider":
        update["status"] = CallStatus.PROVIDER_CONNECTED.value
        result.next_dial = (Party.CLIENT, 1)
    tx.update(session_path(session_id), update)
    return result


def machine_detected(
    session_id: str, party: str, attempt: int, call_sid: str, answered_by: str, *, store: DocumentStore
) -> CallbackResult:
    """Async AMD result: a voicemail counts as no answer, so its call is hung up.

    No transaction: the only effect is a hang-up, whose final call status then decides."""
    if answered_by not in MACHINE_ANSWERS:
        return CallbackResult()
    doc = store.get(session_path(session_id))
    participant = (doc or {}).get("participants", {}).get(party, {})
    if participant.get("attempt") != attempt or participant.get("state") == "accepted":
        return CallbackResult()
    return CallbackResult(hang_up=[call_sid])


def call_status(
    session_id: str,
    party: str,
    attempt: int,
    params: dict[str, str],
    *,
    store: DocumentStore,
    now: datetime,
) -> CallbackResult:
    call_sid, status = params.get("CallSid", ""), params.get("CallStatus", "")
    if status not in FINAL_CALL_STATUSES:
        return CallbackResult()  # progress only: the dial recorded the CallSid already
    ledger = f"processed_events/twilio_call_{call_sid}_{status}"
    settings = CallSettings.from_document(store.get("settings/calls"))

    def apply(tx: Transaction) -> CallbackResult:
        if tx.get(ledger) is not None:
            return CallbackResult(duplicate=True)
        view = read_session(tx, session_id)
        result = _call_status(tx, view, party, attempt, call_sid, status, params, settings, now)
        tx.create(ledger, {"source": "twilio", "kind": "call_status", "sessionId": session_id, "processedAt": now})
        return result

    return store.run_transaction(apply)


def _call_status(
    tx: Transaction,
    view: SessionView | None,
    party: str,
    attempt: int,
    call_sid: str,
    status: str,
    params: dict[str, str],
    settings: CallSettings,
    now: datetime,
) -> CallbackResult:
    if view is None or view.participant(party).get("attempt") != attempt:
        return CallbackResult()
    participant = view.participant(party)
    update: dict[str, Any] = {f"participants.{party}.finalStatus": status, f"participants.{party}.callSid": call_sid}
    duration = params.get("CallDuration")
    if duration and duration.isdigit():
        update[f"participants.{party}.callDurationSeconds"] = int(duration)
    if view.status in TERMINAL or participant.get("state") == "accepted":
        # Accepted parties are settled by the conference events.
        tx.update(session_path(view.id), update)
        return CallbackResult()
    update[f"participants.{party}.state"] = "declined" if participant.get("state") == "declined" else "no_answer"
    if attempt < settings.max_attempts_per_party:
        tx.update(session_path(view.id), update)
        return CallbackResult(next_dial=(Party(party), attempt + 1))
    result = CallbackResult(settle=True)
    if party == "client":
        provider_sid = view.participant("provider").get("callSid")
        if provider_sid:
            result.hang_up.append(provider_sid)
    fail(tx, view, no_answer_reason(Party(party)), now=now, settings=settings, extra=update)
    return result


def conference_event(session_id: str, params: dict[str, str], *, store: DocumentStore, now: datetime) -> CallbackResult:
    """Record the event under its SequenceNumber (its own document: no contention), then
    apply what the events known so far imply: the call became active, or it is over."""
    sequence = params.get("SequenceNumber", "")
    if not sequence.isdigit() or int(sequence) < 1:
        return CallbackResult()
    recorded = store.create(
        f"{session_path(session_id)}/conference_events/{int(sequence):04d}",
        {
            "event": params.get("StatusCallbackEvent", ""),
            "callSid": params.get("CallSid"),
            "conferenceSid": params.get("ConferenceSid"),
            "timestamp": _timestamp(params.get("Timestamp"), now),
            "receivedAt": now,
        },
    )
    settings = CallSettings.from_document(store.get("settings/calls"))
    doc = store.get(session_path(session_id))
    if doc is None or CallStatus(doc["status"]) in TERMINAL:
        return CallbackResult(duplicate=not recorded)
    if _conference_change(doc, _known_events(store.get, session_id)) is None:
        return CallbackResult(duplicate=not recorded)

    def apply(tx: Transaction) -> CallbackResult:
        view = read_session(tx, session_id)
        if view is None or view.status in TERMINAL:
            return CallbackResult()
        events = _known_events(tx.get, session_id)
        change = _conference_change(view.doc, events)
        if change == "active":
            tx.update(
                session_path(session_id),
                {
                    "status": CallStatus.ACTIVE.value,
                    "conference.startedAt": _first(events, "conference-start"),
                    "updatedAt": now,
                },
            )
            return CallbackResult()
        if change == "over":
            return _conference_over(tx, view, events, settings, now)
        return CallbackResult()

    return store.run_transaction(apply)


def _known_events(get: Callable[[str], dict[str, Any] | None], session_id: str) -> list[dict[str, Any]]:
    """Events 1..n without a gap (a later one is useless until the gap is filled)."""
    events: list[dict[str, Any]] = []
    for sequence in range(1, 100):
        event = get(f"{session_path(session_id)}/conference_events/{sequence:04d}")
        if event is None:
            break
        events.append(event)
    return events


def _first(events: list[dict[str, Any]], name: str) -> datetime | None:
    return next((e["timestamp"] for e in events if e["event"] == name), None)


def _conference_change(doc: dict[str, Any], events: list[dict[str, Any]]) -> str | None:
    status = CallStatus(doc["status"])
    if _first(events, "conference-end") is not None:
        return "over"
    if _first(events, "conference-start") is not None and status is CallStatus.CALLING_CLIENT:
        return "active"
    return None


def _presence(events: list[dict[str, Any]], call_sid: object, ended: datetime) -> tuple[datetime, datetime] | None:
    """When a call was in the conference: its first join to its leave (or the end)."""
    joins = [e["timestamp"] for e in events if e["event"] == "participant-join" and e.get("callSid") == call_sid]
    if not call_sid or not joins:
        return None
    leaves = [e["timestamp"] for e in events if e["event"] == "participant-leave" and e.get("callSid") == call_sid]
    return joins[0], (leaves[-1] if leaves else ended)


def _conference_over(
    tx: Transaction,
    view: SessionView,
    events: list[dict[str, Any]],
    settings: CallSettings,
    now: datetime,
) -> CallbackResult:
    """Bill the time both parties shared the conference (Twilio's timestamps), nothing else."""
    started, ended = _first(events, "conference-start"), _first(events, "conference-end")
    assert ended is not None
    update: dict[str, Any] = {"conference.endedAt": ended, "conference.startedAt": started}
    result = CallbackResult(settle=True)
    provider = _presence(events, view.participant("provider").get("callSid"), ended)
    client = _presence(events, view.participant("client").get("callSid"), ended)
    if (provider is None or client is None) and view.status is not CallStatus.ACTIVE:
        # Nobody to talk to: the provider left (or never joined) before the client was there.
        client_sid = view.participant("client").get("callSid")
        if client_sid and view.participant("client").get("state") not in ("no_answer", "declined"):
            result.hang_up.append(client_sid)
        fail(
            tx,
            view,
            FailureReason.PROVIDER_LEFT,
            now=now,
            settings=settings,
            extra={**update, "connectedSeconds": 0, "billable": False},
        )
        return result
    if not (view.status is CallStatus.ACTIVE or can_transition(view.status, CallStatus.ACTIVE)):
        return CallbackResult()  # cannot happen in order; the recovery cron settles stuck sessions
    seconds = (
        0
        if provider is None or client is None
        else connected_seconds(max(provider[0], client[0]), min(provider[1], client[1]))
    )
    outcome = settle_call(seconds, settings.min_billable_seconds)
    update.update({"connectedSeconds": seconds, "billable": outcome.settlement is Settlement.CAPTURE})
    active = SessionView(view.id, {**view.doc, "status": CallStatus.ACTIVE.value}, [])
    finish(tx, active, CallStatus.COMPLETED, now=now, settings=settings, settlement=outcome.settlement, extra=update)
    return result


def carry_out(
    result: CallbackResult,
    session_id: str,
    *,
    tasks: TaskScheduler,
    telephony: Telephony,
    settle: Callable[[str], object],
    settings: CallSettings,
    record_costs: Callable[[str], object] | None = None,
) -> None:
    """The side effects a committed callback asked for, in a safe order."""
    for call_sid in result.hang_up:
        try:
            telephony.hang_up(call_sid)
        except TelephonyError:
            log.warning("could not hang up %s for session %s", call_sid, session_id)
    if result.next_dial is not None:
        party, attempt = result.next_dial
        enqueue_attempt(tasks, DialTask(session_id, party, attempt), settings)
    if result.settle:
        settle(session_id)
        if record_costs is not None:
            try:
                record_costs(session_id)
            except Exception:  # the pending figure of the final state lets completeCallCosts retry
                log.warning("cost of session %s left to completeCallCosts", session_id, exc_info=True)


def _timestamp(raw: str | None, fallback: datetime) -> datetime:
    if not raw:
        return fallback
    try:
        return parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return fallback
