"""Records what Twilio billed for a finished session's calls (after the session settled), and
completes the figures Twilio had not priced yet (`completeCallCosts`, every 30 minutes)."""

from __future__ import annotations

import logging
from typing import Any

from shared.ports.store import DocumentStore
from shared.ports.telephony import Telephony, TelephonyError
from shared.services.call_sessions import session_path

log = logging.getLogger(__name__)
MAX_CHECKS = 48  # a day of half-hourly checks


def record_call_costs(session_id: str, *, store: DocumentStore, telephony: Telephony) -> dict[str, Any] | None:
    """Sum the price of every call placed for the session (millionths of USD, as Twilio bills).

    `complete` stays false while Twilio has not priced a call yet (it prices shortly after
    the call ends); running it again later completes the figure."""
    session = store.get(session_path(session_id))
    if session is None:
        return None
    call_sids = sorted(
        {
            str(p["callSid"])
            for p in session.get("participants", {}).values()
            if isinstance(p, dict) and p.get("callSid")
        }
    )
    total, complete = 0, True
    for call_sid in call_sids:
        try:
            cost = telephony.call_cost_micros(call_sid)
        except TelephonyError as exc:
            log.warning("could not fetch the price of %s: %s", call_sid, exc)
            cost = None
        if cost is None:
            complete = False
        else:
            total += cost
    checks = int((session.get("twilioCost") or {}).get("checks", 0)) + 1
    figure = {
        "micros": total,
        "currency": "usd",
        "calls": len(call_sids),
        "complete": complete,
        # Still worth asking Twilio again; after MAX_CHECKS the incomplete figure stays as is.
        "pending": not complete and checks < MAX_CHECKS,
        "checks": checks,
    }
    store.set(session_path(session_id), {"twilioCost": figure}, merge=True)
    return figure


def complete_pending_call_costs(*, store: DocumentStore, telephony: Telephony, limit: int = 100) -> list[str]:
    """Ask Twilio again for the sessions whose cost was not complete; the ids now complete."""
    completed = []
    for session_id, _ in store.find("call_sessions", [("twilioCost.pending", "==", True)], limit=limit):
        figure = record_call_costs(session_id, store=store, telephony=telephony)
        if figure is not None and figure["complete"]:
            completed.append(session_id)
    return completed
