"""Where payments live: every path of the payments area's documents is spelled here.

`payments/{paymentIntentId}` mirrors one card hold (our state machine in `state`, Stripe's raw
status in `status`); `payment_requests/{callSessionId}` reserves the one hold of a session;
`payment_audit_logs/{paymentIntentId}_{cause}` records each change once (its id is the cause);
`payment_recovery_attempts/{paymentIntentId}` counts the failed releases of an orphan hold.
"""

from __future__ import annotations

from datetime import datetime

from shared.kernel.store import Collection, Document, DocumentStore

PAYMENTS = Collection("payments")

payment_path = PAYMENTS.doc


def request_path(call_session_id: str) -> str:
    return f"payment_requests/{call_session_id}"


def audit_path(payment_intent_id: str, cause: str) -> str:
    return f"payment_audit_logs/{payment_intent_id}_{cause}"


def recovery_attempts_path(payment_intent_id: str) -> str:
    return f"payment_recovery_attempts/{payment_intent_id}"


def created_between(store: DocumentStore, start: datetime, end: datetime, *, limit: int) -> list[tuple[str, Document]]:
    return store.find(PAYMENTS, [("createdAt", ">=", start), ("createdAt", "<", end)], limit=limit)


def audit_trail(store: DocumentStore, payment_intent_id: str, *, limit: int = 100) -> list[Document]:
    rows = store.find("payment_audit_logs", [("paymentIntentId", "==", payment_intent_id)], limit=limit)
    return [doc for _, doc in rows]


def of_client(store: DocumentStore, client_id: str, *, limit: int = 500) -> list[tuple[str, Document]]:
    return store.find(PAYMENTS, [("clientId", "==", client_id)], limit=limit)
