"""Twilio webhooks of the call sequence: answer/Gather, AMD, call status, conference events.

Each callback is verified by the entrypoint, then applied through the session's transaction.
Call-status callbacks decide the fate of attempts that were never accepted (no answer, busy,
voicemail, refusal). Once a party accepted, the conference events decide
(`shared.calls.services.conference_events`).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from shared.calls.adapters import session_repository
from shared.calls.domain.call_rules import backoff_seconds
from shared.calls.domain.call_script import AskForDigit, CallScript, HangUp, JoinConference, Say
from shared.calls.domain.call_session import TERMINAL, CallSession, CallStatus, Party, left_reason, no_answer_reason
from shared.calls.domain.ivr import prompt
from shared.calls.services.conference_events import conference_event
from shared.calls.services.sessions import CallbackUrls, fail
from shared.calls.services.twilio_results import CallbackResult
from shared.kernel.ledger import apply_once
from shared.kernel.store import DocumentStore, Transaction

log = logging.getLogger(__name__)
FINAL_CALL_STATUSES = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})
CERTAIN_MACHINE_ANSWERS = frozenset({"machine_end_beep", "machine_end_silence", "machine_end_other", "fax"})
"""`machine_start` is not among them: AMD gives it to some people too."""


def _language(view: CallSession | None, party: str) -> str:
    if view is None:
        return "en"
    return str(view.doc.get("providerLanguage" if party == "provider" else "clientLanguage", "en"))


def _unavailable(language: str) -> CallScript:
    return CallScript((Say(prompt("unavailable", language)), HangUp()))


def _join(view: CallSession, party: str, urls: CallbackUrls) -> CallScript:
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


def answer(call_session_id: str, party: str, attempt: int, *, store: DocumentStore, urls: CallbackUrls) -> CallScript:
    """TwiML for a party who just picked up: ask to press 1, in their language."""
    doc = store.get(session_repository.session_path(call_session_id))
    view = CallSession(call_session_id, doc) if doc else None
    language = _language(view, party)
    if view is None or view.status in TERMINAL or view.participant(party).get("attempt") != attempt:
        return _unavailable(language)
    offer = "provider_offer" if party == "provider" else "client_offer"
    return CallScript(
        (
            AskForDigit(prompt(offer, language), urls.answer(call_session_id, party, attempt)),
            Say(prompt("no_input", language)),
            HangUp(),
        )
    )


def gather(
    call_session_id: str,
    party: str,
    attempt: int,
    call_sid: str,
    digits: str,
    *,
    store: DocumentStore,
    urls: CallbackUrls,
    now: datetime,
) -> CallbackResult:
    return store.run_transaction(lambda tx: _gather(tx, call_session_id, party, attempt, call_sid, digits, urls, now))


def _gather(
    tx: Transaction,
    call_session_id: str,
    party: str,
    attempt: int,
    call_sid: str,
    digits: str,
    urls: CallbackUrls,
    now: datetime,
) -> CallbackResult:
    view = session_repository.get(tx, call_session_id)
    language = _language(view, party)
    if view is None or view.status in TERMINAL or view.participant(party).get("attempt") != attempt:
        return CallbackResult(script=_unavailable(language))
    participant = view.participant(party)
    if participant.get("state") == "accepted":
        return CallbackResult(script=_join(view, party, urls), duplicate=True)
    if digits != "1":
        tx.update(
            session_repository.session_path(call_session_id),
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
    tx.update(session_repository.session_path(call_session_id), update)
    return result


def machine_detected(
    call_session_id: str, party: str, attempt: int, call_sid: str, answered_by: str, *, store: DocumentStore
) -> CallbackResult:
    """Async AMD result. AMD sometimes labels a person `machine_start`: that call is left to the
    Gather (a person who presses 1 in its window is accepted; silence ends the call, which then
    counts as no answer). A voicemail that reached its beep (`machine_end_*`) or a fax is hung up.

    No transaction: the only effect is a hang-up, whose final call status then decides."""
    if answered_by not in CERTAIN_MACHINE_ANSWERS:
        return CallbackResult()
    doc = store.get(session_repository.session_path(call_session_id))
    participant = (doc or {}).get("participants", {}).get(party, {})
    if participant.get("attempt") != attempt or participant.get("state") in ("accepted", "declined"):
        return CallbackResult()
    return CallbackResult(hang_up=[call_sid])


def call_status(
    call_session_id: str,
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
    entry = {"source": "twilio", "kind": "call_status", "callSessionId": call_session_id, "processedAt": now}

    def apply(tx: Transaction) -> CallbackResult:
        view = session_repository.get(tx, call_session_id)

        def effect() -> CallbackResult:
            return _call_status(tx, view, party, attempt, call_sid, status, params, now)

        applied, result = apply_once(tx, f"twilio_call_{call_sid}_{status}", effect, entry=entry)
        answer = result if applied and result is not None else CallbackResult(duplicate=True)
        if view is not None and _both_calls_over(view, party, attempt):
            answer.calls_over_grace_seconds = view.rules.conference_gap_grace_seconds
        return answer

    return store.run_transaction(apply)


def _both_calls_over(view: CallSession, party: str, attempt: int) -> bool:
    """Whether, once this final status is applied (or was, for a duplicate), the session is still
    active with both calls ended: the conference is over even if its `conference-end` is lost."""
    if view.status is not CallStatus.ACTIVE or view.participant(party).get("attempt") != attempt:
        return False
    other = view.participant("client" if party == "provider" else "provider")
    return bool(other.get("finalStatus"))


def _call_status(
    tx: Transaction,
    view: CallSession | None,
    party: str,
    attempt: int,
    call_sid: str,
    status: str,
    params: dict[str, str],
    now: datetime,
) -> CallbackResult:
    if view is None or view.participant(party).get("attempt") != attempt:
        return CallbackResult()
    participant = view.participant(party)
    update: dict[str, Any] = {f"participants.{party}.finalStatus": status, f"participants.{party}.callSid": call_sid}
    duration = params.get("CallDuration")
    if duration and duration.isdigit():
        update[f"participants.{party}.callDurationSeconds"] = int(duration)
    if participant.get("state") == "accepted" and view.status not in TERMINAL:
        other = view.participant("client" if party == "provider" else "provider")
        if view.status is not CallStatus.ACTIVE and other.get("state") != "accepted":
            # Left before the other party joined: Twilio starts a conference only with two
            # participants and sends no conference-end for one that never started.
            return _left_early(tx, view, Party(party), other, update, now)
    if view.status in TERMINAL or participant.get("state") == "accepted":
        # Accepted parties are settled by the conference events.
        tx.update(session_repository.session_path(view.id), update)
        return CallbackResult()
    update[f"participants.{party}.state"] = "declined" if participant.get("state") == "declined" else "no_answer"
    if attempt < view.rules.max_attempts_per_party:
        tx.update(session_repository.session_path(view.id), update)
        delay = backoff_seconds(attempt + 1, view.rules.backoff_base_seconds)
        return CallbackResult(next_dial=(Party(party), attempt + 1), next_dial_delay_seconds=delay)
    result = CallbackResult(settle=True)
    if party == "client":
        provider_sid = view.participant("provider").get("callSid")
        if provider_sid:
            result.hang_up.append(provider_sid)
    fail(tx, view, no_answer_reason(Party(party)), now=now, extra=update)
    return result


def _left_early(
    tx: Transaction,
    view: CallSession,
    party: Party,
    other: dict[str, Any],
    update: dict[str, Any],
    now: datetime,
) -> CallbackResult:
    result = CallbackResult(settle=True)
    other_sid = other.get("callSid")
    if other_sid and not other.get("finalStatus") and other.get("state") not in ("no_answer", "declined"):
        result.hang_up.append(str(other_sid))
    fail(tx, view, left_reason(party), now=now, extra=update)
    return result


__all__ = ["CallbackResult", "conference_event"]
