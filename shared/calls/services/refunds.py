"""refundCallPayment: an admin gives back all or part of a call's captured payment.

The amount never exceeds what is left to refund. A refund is reserved on the session first (one
at a time, a lease as long as a request), Stripe is asked outside any transaction with a key per
refund (`refund:{callSessionId}:{n}`, plus the attempt after a server error: Stripe replays a
saved 5xx), and the result is recorded on the session and its payment in one transaction: the
refunded total, the state (`partially_refunded` | `refunded`), the provider's earnings reduced by
its share, an audit row. A reservation whose request died is taken over with its own amount and
key, so a refund Stripe made is recorded once and never made twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shared.calls.adapters import session_repository
from shared.calls.services.commands import RefundCallPaymentCommand
from shared.kernel import events
from shared.kernel.clock import Clock
from shared.kernel.commands import Caller, require_admin
from shared.kernel.errors import (
    Aborted,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PaymentGatewayError,
    Unavailable,
)
from shared.kernel.money import Currency, Money
from shared.kernel.store import DocumentStore, Transaction
from shared.payments.domain.payment import REFUNDABLE_STATES, provider_share
from shared.payments.ports.payments import PaymentGateway, Refund, RefundRequest
from shared.payments.services import refunds as payment_refunds

REFUND_LEASE = timedelta(seconds=60)


@dataclass(frozen=True)
class _Reserved:
    """The refund this request (or one that died) makes: its number, key attempt and amount."""

    number: int
    key_attempt: int
    amount: int
    payment_intent_id: str
    currency: str
    destination: bool


def refund_key(call_session_id: str, number: int, key_attempt: int) -> str:
    base = f"refund:{call_session_id}:{number}"
    return base if key_attempt == 0 else f"{base}:{key_attempt}"


def refund_call_payment(
    cmd: RefundCallPaymentCommand, caller: Caller | None, *, store: DocumentStore, gateway: PaymentGateway, clock: Clock
) -> dict[str, Any]:
    admin = require_admin(caller)
    path = session_repository.session_path(cmd.callSessionId)
    reserved: _Reserved = store.run_transaction(lambda tx: _reserve(tx, path, cmd, admin.uid, clock.now()))
    request = RefundRequest(
        hold_id=reserved.payment_intent_id,
        amount=Money(reserved.amount, Currency(reserved.currency)),
        idempotency_key=refund_key(cmd.callSessionId, reserved.number, reserved.key_attempt),
        metadata={"callSessionId": cmd.callSessionId, "refund": f"{cmd.callSessionId}:{reserved.number}"},
        reverse_transfer=reserved.destination,
    )
    try:
        refund = gateway.refund(request)
    except PaymentGatewayError as exc:
        retryable, failed_at = exc.retryable, clock.now()
        store.run_transaction(lambda tx: _give_up(tx, path, reserved, new_key=retryable, now=failed_at))
        if retryable:
            raise Unavailable("the payment provider is unavailable; retry shortly") from exc
        raise FailedPrecondition(f"the payment provider refused the refund: {exc}") from exc
    result: dict[str, Any] = store.run_transaction(
        lambda tx: _record(tx, path, reserved, refund, by=admin.uid, reason=cmd.reason, now=clock.now())
    )
    return result


def _reserve(tx: Transaction, path: str, cmd: RefundCallPaymentCommand, by: str, now: datetime) -> _Reserved:
    session = tx.get(path)
    if session is None:
        raise NotFound(f"callSessionId: no call session {cmd.callSessionId!r}", field="callSessionId")
    payment = session.get("payment") or {}
    payment_doc = payment_refunds.load(tx, str(session.get("paymentIntentId")))
    in_flight = payment.get("refundInFlight")
    if in_flight:
        if in_flight["leaseUntil"] > now:
            raise Aborted("callSessionId: a refund of this call is in progress; retry shortly")
        reserved = _Reserved(**{k: in_flight[k] for k in _Reserved.__dataclass_fields__})  # an earlier request died
    else:
        if payment.get("state") not in {s.value for s in REFUNDABLE_STATES}:
            raise FailedPrecondition("callSessionId: only a captured payment can be refunded", field="callSessionId")
        left = _captured(session) - int(payment.get("refundedAmount") or 0)
        amount = left if cmd.amountCents is None else cmd.amountCents
        if amount > left or amount <= 0:
            raise InvalidArgument("amountCents", f"must be at most {left}, what is left to refund")
        reserved = _Reserved(
            number=int(payment.get("refundCount") or 0) + 1,
            key_attempt=0,
            amount=amount,
            payment_intent_id=str(session["paymentIntentId"]),
            currency=str(session["currency"]),
            destination=bool((payment_doc or {}).get("destinationAccountId")),
        )
    tx.update(path, {"payment.refundInFlight": {**vars(reserved), "leaseUntil": now + REFUND_LEASE, "by": by}})
    return reserved


def _captured(session: dict[str, Any]) -> int:
    return int((session.get("payment") or {}).get("capturedAmount") or session["amount"])


def _give_up(tx: Transaction, path: str, reserved: _Reserved, *, new_key: bool, now: datetime) -> None:
    """After a refusal nothing was refunded: forget the reservation. After a server error the
    same refund (amount and number) is the next request's, under the next key: the gateway then
    finds the refund by its number if Stripe made it before failing."""
    if new_key:
        retry = {**vars(reserved), "key_attempt": reserved.key_attempt + 1, "leaseUntil": now}
        tx.update(path, {"payment.refundInFlight": retry})
    else:
        tx.update(path, {"payment.refundInFlight": None})


def _record(
    tx: Transaction, path: str, reserved: _Reserved, refund: Refund, *, by: str, reason: str, now: datetime
) -> dict[str, Any]:
    session = tx.get(path) or {}
    payment_doc = payment_refunds.load(tx, reserved.payment_intent_id)
    answer = {"callSessionId": session.get("callSessionId"), "refundId": refund.id, "amountCents": refund.amount.minor}
    extra = {"payment.refundCount": reserved.number, "payment.refundInFlight": None}
    paid = record_on_session(tx, path, session, payment_doc, refund, by=by, reason=reason, now=now, extra=extra)
    return {**answer, **paid}


def record_on_session(
    tx: Transaction,
    path: str,
    session: dict[str, Any],
    payment_doc: dict[str, Any] | None,
    refund: Refund,
    *,
    by: str,
    reason: str,
    now: datetime,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Record `refund` on the session and its payment (reads done by the caller): the refunded
    total and state, the provider's earnings less its share, and the `payment.refunded` domain event
    (the commissions' clawback). A refund already recorded changes nothing."""
    payment = dict(session.get("payment") or {})
    refunds = dict(payment.get("refunds") or {})
    if refund.id in refunds:
        return {"state": payment.get("state"), "refundedAmount": payment.get("refundedAmount")}
    captured = _captured(session)
    paid = payment_refunds.record(
        tx, str(session["paymentIntentId"]), payment_doc, refund, captured=captured, by=by, reason=reason, now=now
    )
    provider_amount = int(session.get("amount", 0)) - int(session.get("platformFee", 0))
    taken_back = provider_share(refund.amount.minor, captured, provider_amount)
    refunds[refund.id] = {"amount": refund.amount.minor, "providerShare": taken_back, "at": now, "by": by}
    tx.update(
        path,
        {
            "payment.state": paid["state"],
            "payment.refundedAmount": paid["refundedAmount"],
            "payment.refunds": refunds,
            "providerEarnings": max(0, int(session.get("providerEarnings") or 0) - taken_back),
            "updatedAt": now,
            **(extra or {}),
        },
    )
    events.emit(
        tx,
        f"payment_refunded:{session['paymentIntentId']}:{refund.id}",
        events.PAYMENT_REFUNDED,
        {
            "callSessionId": session.get("callSessionId") or path.rsplit("/", 1)[-1],
            "paymentIntentId": session["paymentIntentId"],
            "refundId": refund.id,
            "amount": refund.amount.minor,
            "currency": refund.amount.currency.value,
            "refundedTotal": paid["refundedAmount"],
            "capturedAmount": captured,
            "clientId": session.get("clientId"),
            "providerId": session.get("providerId"),
            "reason": reason,
        },
        now=now,
    )
    return {"state": paid["state"], "refundedAmount": paid["refundedAmount"]}
