"""Shared pieces of the call sequence: callback URLs, ending a session, freeing the provider."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from shared.accounts.services.provider_profiles import account_path, profile_path, tx_read_account
from shared.calls.domain.call_rules import Settlement
from shared.calls.domain.call_session import CallStatus, FailureReason, transition
from shared.calls.domain.settings import CallSettings
from shared.kernel.store import Document, Transaction
from shared.notifications.services.outbox import queue_mail, queue_sms


@dataclass(frozen=True)
class CallbackUrls:
    """Public URLs of the west3 Twilio webhooks (what Twilio signs and what we verify)."""

    base: str  # e.g. https://europe-west3-PROJECT.cloudfunctions.net

    def _url(self, function: str, **params: Any) -> str:
        return f"{self.base.rstrip('/')}/{function}?{urlencode(params)}"

    def answer(self, session_id: str, party: str, attempt: int) -> str:
        return self._url("twilioGatherResponse", sessionId=session_id, party=party, attempt=attempt)

    def status(self, session_id: str, party: str, attempt: int) -> str:
        return self._url("twilioCallWebhook", sessionId=session_id, party=party, attempt=attempt)

    def amd(self, session_id: str, party: str, attempt: int) -> str:
        return self._url("twilioAmdTwiml", sessionId=session_id, party=party, attempt=attempt)

    def conference(self, session_id: str) -> str:
        return self._url("twilioConferenceWebhook", sessionId=session_id)


def session_path(session_id: str) -> str:
    return f"call_sessions/{session_id}"


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


@dataclass
class SessionView:
    """A session read inside a transaction, with the provider documents it may free."""

    id: str
    doc: Document
    provider_docs: list[tuple[str, Document, Document]]

    @property
    def status(self) -> CallStatus:
        return CallStatus(self.doc["status"])

    def participant(self, party: str) -> dict[str, Any]:
        participant: dict[str, Any] = self.doc.get("participants", {}).get(party, {})
        return participant

    def party_of(self, call_sid: str) -> str | None:
        for party in ("provider", "client"):
            if self.participant(party).get("callSid") == call_sid:
                return party
        return None


def read_session(tx: Transaction, session_id: str) -> SessionView | None:
    doc = tx.get(session_path(session_id))
    return None if doc is None else SessionView(session_id, doc, [])


def _read_providers(tx: Transaction, doc: Document) -> list[tuple[str, Document, Document]]:
    """(uid, public profile, private account) of the session's provider and linked profiles."""
    # Read only when a session ends: fewer documents locked by the frequent callbacks.
    provider_id = doc["providerId"]
    provider = tx.get(profile_path(provider_id)) or {}
    docs = [(provider_id, provider, tx_read_account(tx, provider_id))]
    if provider.get("shareBusyStatus"):
        for linked in provider.get("linkedProfileIds", []):
            linked_doc = tx.get(profile_path(linked))
            if linked_doc is not None:
                docs.append((linked, linked_doc, tx_read_account(tx, linked)))
    return docs


def finish(
    tx: Transaction,
    view: SessionView,
    target: CallStatus,
    *,
    now: datetime,
    settings: CallSettings,
    settlement: Settlement,
    reason: FailureReason | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    """Move the session to a final state, schedule the payment settlement, free the provider
    and queue the notifications, all in the caller's transaction. It reads the provider
    profiles first, so the caller must not have written anything yet in this transaction."""
    transition(view.status, target)
    view.provider_docs = _read_providers(tx, view.doc)
    update: dict[str, Any] = {
        **(extra or {}),
        "status": target.value,
        "endedAt": now,
        "updatedAt": now,
        "payment": {**view.doc.get("payment", {}), "action": settlement.value, "state": "pending"},
        "twilioCost": dict(COST_NOT_ASKED_YET),
    }
    if reason is not None:
        update["failureReason"] = reason.value
    tx.update(session_path(view.id), update)
    missed = reason is FailureReason.PROVIDER_NO_ANSWER
    for uid, profile, account in view.provider_docs:
        if account.get("currentCallSessionId") != view.id:
            continue
        public: dict[str, Any] = {"availability": "available"}
        private: dict[str, Any] = {"currentCallSessionId": None, "busySince": None}
        if uid == view.doc["providerId"] and missed:
            count = int(account.get("missedCalls", 0)) + 1
            private["missedCalls"] = count
            if count >= settings.missed_calls_before_offline:
                public.update({"availability": "offline", "isOnline": False})
                private["offlineReason"] = "missed_calls"
        if profile:
            tx.update(profile_path(uid), public)
        tx.set(account_path(uid), private, merge=True)
    _notify(tx, view, target, reason, now)


def fail(
    tx: Transaction,
    view: SessionView,
    reason: FailureReason,
    *,
    now: datetime,
    settings: CallSettings,
    extra: dict[str, Any] | None = None,
) -> None:
    """End the session as failed: the hold is released (never captured)."""
    finish(
        tx,
        view,
        CallStatus.FAILED,
        now=now,
        settings=settings,
        settlement=Settlement.RELEASE,
        reason=reason,
        extra=extra,
    )


def _notify(
    tx: Transaction, view: SessionView, target: CallStatus, reason: FailureReason | None, now: datetime
) -> None:
    client_id = view.doc["clientId"]
    language = view.doc.get("clientLanguage", "en")
    if target is CallStatus.COMPLETED:
        template = "call_completed"
    elif reason is FailureReason.PROVIDER_NO_ANSWER:
        template = "provider_no_answer"
    else:
        template = "call_failed"
    queue_mail(tx, f"{template}_{view.id}", to_uid=client_id, template=template, data={"sessionId": view.id}, now=now)
    if template != "call_failed":
        queue_sms(
            tx,
            f"{template}_{view.id}",
            to_sealed=view.doc["clientPhoneSealed"],
            template=template,
            language=language,
            now=now,
        )
