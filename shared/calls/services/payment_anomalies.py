"""Finding holds and call sessions whose payment is stuck: the queries shared by the recovery
job (which acts on them) and the health check (which reports them).

Each query has at most one range filter (Firestore's rule); the composite indexes they need are
in `firestore.indexes.json`. The remaining conditions are checked here in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.calls.adapters import session_repository
from shared.calls.domain.call_session import TERMINAL, CallStatus
from shared.calls.domain.settings import RecoverySettings
from shared.kernel.store import Document, DocumentStore
from shared.payments.services.authorized_holds import authorized_holds

RECOVERY_SETTINGS_PATH = "settings/payments_recovery"
SCAN_LIMIT = 500
"""Documents read per query and per run; what is left over is picked up by the next run."""

NON_TERMINAL = [status.value for status in CallStatus if status not in TERMINAL]
NOT_LIVE = frozenset({CallStatus.SCHEDULED, CallStatus.CALLING_PROVIDER, CallStatus.CALLING_CLIENT})
"""Statuses in which no party is connected yet: failing the session interrupts no call."""

SETTLED = frozenset({"captured", "released"})


def load_recovery_settings(store: DocumentStore) -> RecoverySettings:
    """The thresholds of `settings/payments_recovery`, defaults in code."""
    return RecoverySettings.from_document(store.get(RECOVERY_SETTINGS_PATH))


def session_payment_state(session: Document | None) -> str | None:
    """The `payment.state` of a call session, None without a session."""
    if session is None:
        return None
    state = (session.get("payment") or {}).get("state")
    return str(state) if state is not None else None


def orphan_holds(store: DocumentStore, now: datetime, settings: RecoverySettings) -> list[tuple[str, Document]]:
    """Authorized holds with no `call_sessions/{callSessionId}`, authorized longer ago than
    `orphanHoldMinutes` (createdAt when Stripe did not report the authorization time)."""
    cutoff = now - timedelta(minutes=settings.orphan_hold_minutes)
    found = []
    for payment_id, payment in authorized_holds(store, "createdAt", cutoff, limit=SCAN_LIMIT):
        if (payment.get("authorizedAt") or payment["createdAt"]) > cutoff:
            continue
        call_session_id = payment.get("callSessionId")
        if call_session_id and store.get(session_repository.session_path(call_session_id)) is not None:
            continue
        found.append((payment_id, payment))
    return found


@dataclass(frozen=True)
class ExpiringHold:
    """An authorized hold whose card authorization lapses soon, and its session if any."""

    payment_id: str
    payment: Document
    call_session_id: str | None
    session: Document | None

    @property
    def capture_before(self) -> datetime:
        value: datetime = self.payment["captureBefore"]
        return value


def expiring_holds(store: DocumentStore, now: datetime, settings: RecoverySettings) -> list[ExpiringHold]:
    """Authorized holds whose `captureBefore` falls before `now + captureBeforeMarginHours`
    (already past included) and whose session has not settled them yet."""
    horizon = now + timedelta(hours=settings.capture_before_margin_hours)
    found = []
    for payment_id, payment in authorized_holds(store, "captureBefore", horizon, limit=SCAN_LIMIT):
        call_session_id = payment.get("callSessionId")
        session = store.get(session_repository.session_path(call_session_id)) if call_session_id else None
        if session_payment_state(session) in SETTLED:
            continue  # settled; the Stripe webhook has not updated `payments` yet
        found.append(ExpiringHold(payment_id, payment, call_session_id, session))
    return found


def stuck_sessions(store: DocumentStore, now: datetime, settings: RecoverySettings) -> list[tuple[str, Document]]:
    """Sessions not in a terminal status, created longer ago than `stuckSessionMinutes`."""
    cutoff = now - timedelta(minutes=settings.stuck_session_minutes)
    return store.find(
        session_repository.SESSIONS,
        [("status", "in", NON_TERMINAL), ("createdAt", "<=", cutoff)],
        limit=SCAN_LIMIT,
    )


def unsettled_sessions(store: DocumentStore, payment_states: list[str]) -> list[tuple[str, Document]]:
    """Terminal sessions whose `payment.state` is one of `payment_states` (pending, failed)."""
    candidates = store.find(session_repository.SESSIONS, [("payment.state", "in", payment_states)], limit=SCAN_LIMIT)
    return [(call_session_id, doc) for call_session_id, doc in candidates if doc.get("status") in TERMINAL]
