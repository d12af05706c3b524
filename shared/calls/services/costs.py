"""Records what Twilio billed for a finished session's calls (every attempt's, after the session
settled), and completes the figures Twilio had not priced yet (`completeCallCosts`, every 30
minutes)."""

from __future__ import annotations

import logging
from typing import Any

from shared.calls.adapters import session_repository
from shared.calls.ports.telephony import Telephony, TelephonyError
from shared.kernel.store import Document, DocumentStore

log = logging.getLogger(__name__)
MAX_CHECKS = 48  # a day of half-hourly checks


def session_call_sids(session: Document) -> list[str]:
    """Every call placed for the session: each attempt's (voicemails and AMD hang-ups connected
    and are billed too), not only the last one of each party."""
    sids = {str(sid) for sid in (session.get("calls") or {})}
    for participant in (session.get("participants") or {}).values():
        if isinstance(participant, dict) and participant.get("callSid"):
            sids.add(str(participant["callSid"]))
    return sorted(sids)


def record_call_costs(call_session_id: str, *, store: DocumentStore, telephony: Telephony) -> dict[str, Any] | None:
    """Sum the price of every call placed for the session, in millionths of Twilio's
    `price_unit` (USD for most accounts; `byCurrency` when calls were priced in several).

    `complete` stays false while Twilio has not priced a call yet (it prices shortly after
    the call ends); running it again later completes the figure."""
    session = store.get(session_repository.session_path(call_session_id))
    if session is None:
        return None
    call_sids = session_call_sids(session)
    totals: dict[str, int] = {}
    complete = True
    for call_sid in call_sids:
        try:
            cost = telephony.call_cost(call_sid)
        except TelephonyError as exc:
            log.warning("could not fetch the price of %s: %s", call_sid, exc)
            cost = None
        if cost is None:
            complete = False
        else:
            totals[cost.currency] = totals.get(cost.currency, 0) + cost.micros
    checks = int((session.get("twilioCost") or {}).get("checks", 0)) + 1
    currencies = sorted(totals) or ["usd"]
    figure: dict[str, Any] = {
        "micros": totals.get(currencies[0], 0) if len(currencies) == 1 else None,
        "currency": currencies[0] if len(currencies) == 1 else "mixed",
        "calls": len(call_sids),
        "complete": complete,
        # Still worth asking Twilio again; after MAX_CHECKS the incomplete figure stays as is.
        "pending": not complete and checks < MAX_CHECKS,
        "checks": checks,
    }
    if len(currencies) > 1:
        figure["byCurrency"] = totals
    store.set(session_repository.session_path(call_session_id), {"twilioCost": figure}, merge=True)
    return figure


def complete_pending_call_costs(*, store: DocumentStore, telephony: Telephony, limit: int = 100) -> list[str]:
    """Ask Twilio again for the sessions whose cost was not complete; the ids now complete."""
    completed = []
    for call_session_id, _ in store.find(
        session_repository.SESSIONS, [("twilioCost.pending", "==", True)], limit=limit
    ):
        figure = record_call_costs(call_session_id, store=store, telephony=telephony)
        if figure is not None and figure["complete"]:
            completed.append(call_session_id)
    return completed
