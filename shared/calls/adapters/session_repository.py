"""Where call sessions live: every path of the calls area's documents is spelled here.

`call_sessions/{callSessionId}` holds the session; its `conference_events` subcollection the
conference events as Twilio sent them (each one also the stored callback its task applies);
`twilio_callbacks/{id}` the raw call-status callbacks waiting to be applied;
`system/twilio_breaker` the circuit breaker shared by every dial.
"""

from __future__ import annotations

from typing import Any

from shared.calls.domain.call_session import CallSession
from shared.calls.domain.settings import CallSettings
from shared.kernel.store import Collection, Document, DocumentStore, Transaction

SESSIONS = Collection("call_sessions")
CALLBACKS = Collection("twilio_callbacks")
BREAKER_PATH = "system/twilio_breaker"

session_path = SESSIONS.doc


EVENTS = "conference_events"


def events_path(call_session_id: str) -> str:
    return f"{session_path(call_session_id)}/{EVENTS}"


def event_path(call_session_id: str, event_id: str) -> str:
    """One conference event of the session, by its id (`event_id`)."""
    return f"{events_path(call_session_id)}/{event_id}"


def event_id(conference_sid: str, sequence: int) -> str:
    """A conference event's id among its session's events: its conference and sequence number."""
    return f"{conference_sid}_{sequence:04d}"


callback_path = CALLBACKS.doc


def session_of(reader: DocumentStore | Transaction, call_session_id: str, doc: Document) -> CallSession:
    """The session of a stored document. One booked before sessions kept their rules takes
    today's `settings/calls` (one more read, for those sessions only)."""
    if "rules" not in doc:
        doc = {**doc, "rules": reader.get(CallSettings.PATH) or {}}
    return CallSession(call_session_id, doc)


def get(tx: Transaction, call_session_id: str) -> CallSession | None:
    """The session read in a transaction (None when it does not exist)."""
    doc = tx.get(session_path(call_session_id))
    return None if doc is None else session_of(tx, call_session_id, doc)


def load(store: DocumentStore, call_session_id: str) -> CallSession | None:
    """The session read outside any transaction."""
    doc = store.get(session_path(call_session_id))
    return None if doc is None else session_of(store, call_session_id, doc)


def update(tx: Transaction, session: CallSession, changes: dict[str, Any]) -> None:
    """Write `changes` (top-level fields or dotted paths) to the session."""
    tx.update(session_path(session.id), changes)


def latest_of_client(store: DocumentStore, client_id: str, *, limit: int = 10) -> list[tuple[str, Document]]:
    """The client's sessions, newest first."""
    rows = store.find(SESSIONS, [("clientId", "==", client_id)], limit=500)
    return sorted(rows, key=lambda row: str(row[1].get("createdAt") or ""), reverse=True)[:limit]


def conference_events(store: DocumentStore, call_session_id: str, *, limit: int = 200) -> list[Document]:
    return [doc for _, doc in store.find(events_path(call_session_id), [], limit=limit)]


def latest_of_provider(store: DocumentStore, provider_id: str, *, limit: int = 10) -> list[tuple[str, Document]]:
    """The provider's sessions, newest first."""
    rows = store.find(SESSIONS, [("providerId", "==", provider_id)], limit=500)
    return sorted(rows, key=lambda row: str(row[1].get("createdAt") or ""), reverse=True)[:limit]
