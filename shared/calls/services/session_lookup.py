"""findCallSession (admins): one call session found by its id, its payment's id or the client's
e-mail (their latest), with its whole story: the session (participants, dial attempts, how it
ended, settlement), its conference events, its payment and that payment's audit trail (hold,
authorisation, capture or release, refunds), and the mails sent about it."""

from __future__ import annotations

from typing import Any

from shared.accounts.services.users import uid_by_email
from shared.calls.adapters import session_repository
from shared.kernel.errors import InvalidArgument, NotFound
from shared.kernel.store import Document, DocumentStore, as_answer
from shared.notifications.services.outbox import mail_about
from shared.payments.services import payment_records


def _session_id(
    store: DocumentStore, call_session_id: str | None, payment_intent_id: str | None, client_email: str | None
) -> str:
    given = [v for v in (call_session_id, payment_intent_id, client_email) if v]
    if len(given) != 1:
        raise InvalidArgument("callSessionId", "give exactly one of callSessionId, paymentIntentId, clientEmail")
    if call_session_id:
        return call_session_id
    if payment_intent_id:
        payment = payment_records.payment(store, payment_intent_id) or {}
        if not payment.get("callSessionId"):
            raise NotFound(f"paymentIntentId: no call session for {payment_intent_id!r}", field="paymentIntentId")
        return str(payment["callSessionId"])
    uid = uid_by_email(store, str(client_email))
    latest = session_repository.latest_of_client(store, uid, limit=1) if uid else []
    if not latest:
        raise NotFound("clientEmail: no call session for this client", field="clientEmail")
    return latest[0][0]


def find_call_session(
    store: DocumentStore,
    *,
    call_session_id: str | None = None,
    payment_intent_id: str | None = None,
    client_email: str | None = None,
) -> dict[str, Any]:
    session_id = _session_id(store, call_session_id, payment_intent_id, client_email)
    session: Document | None = store.get(session_repository.session_path(session_id))
    if session is None:
        raise NotFound(f"callSessionId: no call session {session_id!r}", field="callSessionId")
    session.pop("clientPhoneSealed", None)
    session.pop("providerPhoneSealed", None)
    payment_id = str(session.get("paymentIntentId") or (session.get("payment") or {}).get("paymentIntentId") or "")
    payment = payment_records.payment(store, payment_id) if payment_id else None
    trail = payment_records.audit_trail(store, payment_id) if payment_id else []
    events = session_repository.conference_events(store, session_id)
    story: dict[str, Any] = as_answer(
        {
            "callSessionId": session_id,
            "session": session,
            "conferenceEvents": sorted(events, key=lambda e: str(e.get("at") or e.get("timestamp") or "")),
            "payment": payment,
            "paymentAudit": sorted(trail, key=lambda e: str(e.get("at") or e.get("createdAt") or "")),
            "notifications": mail_about(store, session_id),
        }
    )
    return story


def sessions_of(store: DocumentStore, uid: str, *, limit: int = 10) -> list[dict[str, Any]]:
    """The latest sessions where `uid` is the client or the provider: id, status, who, when."""
    rows = session_repository.latest_of_client(store, uid, limit=limit)
    rows += session_repository.latest_of_provider(store, uid, limit=limit)
    keep = ("status", "clientId", "providerId", "serviceType", "createdAt", "failureReason")
    shown = [{"callSessionId": sid, **{k: doc.get(k) for k in keep}} for sid, doc in rows]
    return list(as_answer(sorted(shown, key=lambda s: str(s.get("createdAt") or ""), reverse=True)[:limit]))
