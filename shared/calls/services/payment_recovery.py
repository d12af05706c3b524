"""stuckPaymentsRecovery: put right the card holds and call sessions the normal flow left behind.

One run (a) retries the settlement of finished sessions whose capture or release is pending or
failed, flagging those that failed `maxSettlementAttempts` times — unless their hold lapses soon:
those are settled whatever their count, so a hold never lapses silently; (b) releases authorized
holds that never got a call session; (c) fails the sessions that made no progress (too old, or
their hold lapses soon while no call is live) and settles them, and finishes the sessions still
`active` past the longest possible call from Twilio's call records (flagged only when Twilio has
no record); (d) records a report.

Stripe is only called outside transactions, with the keys settlement uses (`release:{callSessionId}`),
and every action leaves a trace that the next run reads, so a second run does nothing new.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from shared.calls.adapters import session_repository
from shared.calls.domain.call_session import TERMINAL, CallStatus, FailureReason
from shared.calls.domain.settings import RecoverySettings
from shared.calls.ports.telephony import Telephony
from shared.calls.services import payment_anomalies as anomalies
from shared.calls.services.record_settlement import settle_from_call_records
from shared.calls.services.sessions import fail
from shared.kernel.clock import Clock
from shared.kernel.errors import PaymentGatewayError
from shared.kernel.store import DocumentStore, Transaction
from shared.payments.ports.payments import PaymentGateway
from shared.payments.services.orphan_release import release_orphan_hold

log = logging.getLogger(__name__)

SETTLEMENT_GRACE = timedelta(minutes=5)
"""A session that ended this recently is being settled by the normal flow: leave it alone."""

Settle = Callable[[str], str]
"""`settle_session` bound to its ports: session id -> payment state after the attempt."""


@dataclass
class RecoveryReport:
    """What one recovery run did: session ids, except `holds_released` (PaymentIntent ids)."""

    ran_at: datetime
    settlements_retried: list[str] = field(default_factory=list)
    settlements_failed: list[str] = field(default_factory=list)
    holds_released: list[str] = field(default_factory=list)
    sessions_failed: list[str] = field(default_factory=list)
    settled_from_records: list[str] = field(default_factory=list)
    flagged: list[str] = field(default_factory=list)
    already_flagged: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The report as stored in `payment_recovery_reports` (JSON-serialisable)."""
        lists = {
            "settlementsRetried": self.settlements_retried,
            "settlementsFailed": self.settlements_failed,
            "holdsReleased": self.holds_released,
            "sessionsFailed": self.sessions_failed,
            "settledFromRecords": self.settled_from_records,
            "flagged": self.flagged,
            "alreadyFlagged": self.already_flagged,
            "errors": self.errors,
        }
        return {
            "ranAt": self.ran_at.isoformat(),
            "counts": {name: len(ids) for name, ids in lists.items()},
            **{name: list(ids) for name, ids in lists.items()},
        }


def recover_stuck_payments(
    *, store: DocumentStore, gateway: PaymentGateway, clock: Clock, settle: Settle, telephony: Telephony
) -> RecoveryReport:
    """Run the recovery once and write `payment_recovery_reports/{YYYYmmddTHHMMSS}`."""
    now = clock.now()
    settings = anomalies.load_recovery_settings(store)
    report = RecoveryReport(ran_at=now)
    lapsing = anomalies.expiring_holds(store, now, settings)
    _retry_settlements(store, settle, now, settings, report, {h.call_session_id for h in lapsing if h.call_session_id})
    _release_orphan_holds(store, gateway, now, settings, report)
    _fail_stuck_sessions(store, settle, now, settings, report, lapsing, partial(_from_records, store, telephony, clock))
    store.set(f"payment_recovery_reports/{now:%Y%m%dT%H%M%S}", report.as_dict())
    log.info("payment recovery done", extra={"json_fields": report.as_dict()["counts"]})
    return report


# (a) settlements of finished sessions


def _retry_settlements(
    store: DocumentStore,
    settle: Settle,
    now: datetime,
    settings: RecoverySettings,
    report: RecoveryReport,
    lapsing: set[str],
) -> None:
    for call_session_id, doc in anomalies.unsettled_sessions(store, ["pending", "failed"]):
        payment = doc.get("payment") or {}
        exhausted = int(payment.get("attempts", 0)) >= settings.max_settlement_attempts
        if exhausted:
            _flag(store, call_session_id, "settlement_attempts_exhausted", now, report)
            if call_session_id not in lapsing:
                continue  # a human decides; its hold is not about to lapse
        ended = doc.get("endedAt") or doc.get("updatedAt")
        if payment.get("state") == "pending" and ended is not None and ended > now - SETTLEMENT_GRACE:
            continue
        report.settlements_retried.append(call_session_id)
        _settle(settle, call_session_id, report)


def _settle(settle: Settle, call_session_id: str, report: RecoveryReport) -> None:
    try:
        outcome = settle(call_session_id)
    except Exception as exc:  # one broken session must not stop the run
        log.exception("settlement of session %s raised", call_session_id)
        report.errors.append(f"{call_session_id}: {exc}"[:300])
        return
    if outcome == "failed":
        report.settlements_failed.append(call_session_id)


def _flag(store: DocumentStore, call_session_id: str, reason: str, now: datetime, report: RecoveryReport) -> None:
    """Mark a session for a human, once (`recoveryFlag` on the session)."""

    def apply(tx: Transaction) -> bool:
        doc = tx.get(session_repository.session_path(call_session_id))
        if doc is None or doc.get("recoveryFlag"):
            return False
        tx.update(
            session_repository.session_path(call_session_id), {"recoveryFlag": {"reason": reason, "flaggedAt": now}}
        )
        return True

    if store.run_transaction(apply):
        log.warning("session %s flagged for review: %s", call_session_id, reason)
        report.flagged.append(call_session_id)
    else:
        report.already_flagged.append(call_session_id)


# (b) holds without a session


def _release_orphan_holds(
    store: DocumentStore, gateway: PaymentGateway, now: datetime, settings: RecoverySettings, report: RecoveryReport
) -> None:
    for payment_id, payment in anomalies.orphan_holds(store, now, settings):
        try:
            outcome = release_orphan_hold(store, gateway, payment_id, payment, now)
        except PaymentGatewayError as exc:
            report.errors.append(f"{payment_id}: {exc}"[:300])
            continue
        if outcome == "released":
            report.holds_released.append(payment_id)


# (c) sessions that made no progress


def _from_records(
    store: DocumentStore, telephony: Telephony, clock: Clock, call_session_id: str, hang_up_live: bool
) -> str:
    return settle_from_call_records(
        call_session_id, store=store, telephony=telephony, clock=clock, hang_up_live=hang_up_live
    )


def _fail_stuck_sessions(
    store: DocumentStore,
    settle: Settle,
    now: datetime,
    settings: RecoverySettings,
    report: RecoveryReport,
    lapsing: list[anomalies.ExpiringHold],
    from_records: Callable[[str, bool], str],
) -> None:
    # session id -> True when its hold lapses soon but it is not too old: it may only be failed
    # while no call is live, and an active one is only finished once Twilio shows both calls over.
    targets: dict[str, bool] = {
        call_session_id: False for call_session_id, _ in anomalies.stuck_sessions(store, now, settings)
    }
    for hold in lapsing:
        status = (hold.session or {}).get("status")
        live_or_waiting = status in anomalies.NOT_LIVE or status == CallStatus.ACTIVE.value
        if hold.call_session_id and live_or_waiting and hold.call_session_id not in targets:
            targets[hold.call_session_id] = True
    if not targets:
        return
    for call_session_id, strict in targets.items():
        try:
            outcome = store.run_transaction(
                partial(
                    _fail_stuck,
                    call_session_id=call_session_id,
                    only_if_not_live=strict,
                    now=now,
                )
            )
        except Exception as exc:  # e.g. a malformed session; the others still get recovered
            log.exception("failing stuck session %s raised", call_session_id)
            report.errors.append(f"{call_session_id}: {exc}"[:300])
            continue
        if outcome == "failed":
            report.sessions_failed.append(call_session_id)
            _settle(settle, call_session_id, report)
        elif outcome == "active":
            ended = from_records(call_session_id, not strict)
            if ended == "completed":
                report.settled_from_records.append(call_session_id)
                _settle(settle, call_session_id, report)
            elif ended == "no_record" or (ended == "live" and not strict):
                _flag(store, call_session_id, "active_too_long", now, report)


def _fail_stuck(tx: Transaction, call_session_id: str, only_if_not_live: bool, now: datetime) -> str:
    """Fail the session if it is still stuck; 'failed', 'active' (cannot fail: flag it) or 'skipped'."""
    view = session_repository.get(tx, call_session_id)
    if view is None or view.status in TERMINAL:
        return "skipped"
    if view.status is CallStatus.ACTIVE:
        return "active"  # both parties were connected: Twilio's records tell what to bill
    if only_if_not_live and view.status not in anomalies.NOT_LIVE:
        return "skipped"  # a call went live since the query: let it finish
    fail(tx, view, FailureReason.STUCK, now=now)
    return "failed"
