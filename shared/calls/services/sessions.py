"""Ending a call session (settlement, the provider freed, the client told), and the callback URLs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from shared.accounts.services import availability
from shared.calls.adapters import session_repository
from shared.calls.domain.call_rules import Settlement
from shared.calls.domain.call_session import CallSession, CallStatus, FailureReason, Notice
from shared.kernel.store import Transaction
from shared.notifications.services.outbox import queue_mail, queue_sms


@dataclass(frozen=True)
class CallbackUrls:
    """Public URLs of the west3 Twilio webhooks (what Twilio signs and what we verify)."""

    base: str  # e.g. https://europe-west3-PROJECT.cloudfunctions.net

    def _url(self, function: str, **params: Any) -> str:
        return f"{self.base.rstrip('/')}/{function}?{urlencode(params)}"

    def answer(self, call_session_id: str, party: str, attempt: int) -> str:
        return self._url("twilioGatherResponse", callSessionId=call_session_id, party=party, attempt=attempt)

    def status(self, call_session_id: str, party: str, attempt: int) -> str:
        return self._url("twilioCallWebhook", callSessionId=call_session_id, party=party, attempt=attempt)

    def amd(self, call_session_id: str, party: str, attempt: int) -> str:
        return self._url("twilioAmdTwiml", callSessionId=call_session_id, party=party, attempt=attempt)

    def conference(self, call_session_id: str) -> str:
        return self._url("twilioConferenceWebhook", callSessionId=call_session_id)


def finish(
    tx: Transaction,
    session: CallSession,
    target: CallStatus,
    *,
    now: datetime,
    settlement: Settlement,
    reason: FailureReason | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    """Move the session to a final state, schedule the payment settlement, free the provider
    and queue the notifications, all in the caller's transaction. It reads the provider
    profiles first, so the caller must not have written anything yet in this transaction."""
    changes = session.end(target, now=now, settlement=settlement, reason=reason, extra=extra)
    # Read only when a session ends: fewer documents locked by the frequent callbacks.
    providers = availability.read_group(tx, session.provider_id)
    session_repository.update(tx, session, changes)
    availability.free(
        tx,
        providers,
        session.id,
        missed=CallSession.provider_missed(reason),
        offline_after=session.rules.missed_calls_before_offline,
    )
    _notify(tx, session, CallSession.notice(target, reason), now)


def fail(
    tx: Transaction,
    session: CallSession,
    reason: FailureReason,
    *,
    now: datetime,
    extra: dict[str, Any] | None = None,
) -> None:
    """End the session as failed: the hold is released (never captured)."""
    finish(
        tx,
        session,
        CallStatus.FAILED,
        now=now,
        settlement=Settlement.RELEASE,
        reason=reason,
        extra=extra,
    )


def _notify(tx: Transaction, session: CallSession, notice: Notice, now: datetime) -> None:
    key = f"{notice.template}_{session.id}"
    queue_mail(tx, key, to_uid=session.client_id, template=notice.template, data={"callSessionId": session.id}, now=now)
    if notice.sms:
        queue_sms(
            tx,
            key,
            to_sealed=session.doc["clientPhoneSealed"],
            template=notice.template,
            language=session.doc.get("clientLanguage", "en"),
            now=now,
        )
