"""What Stripe says afterwards about a call's captured charge: refunds made outside the product
and disputes. Both run inside stripeWebhook's ledger transaction (once per event id).

- `charge.refunded`: when the charge's `amount_refunded` is above what the session recorded (a
  refund made in the Stripe dashboard), the difference is recorded as refundCallPayment would
  record it; a refund the product made is already counted and changes nothing.
- `charge.dispute.created`: the session and its payment are flagged `disputed`, the provider's
  earnings for it are frozen (`earningsFrozen`), and the admins get a mail.
- `charge.dispute.closed`: `won` unfreezes them; `lost` counts the disputed amount as refunded.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from shared.calls.adapters import session_repository
from shared.calls.services.refunds import record_on_session
from shared.kernel.money import Currency, Money
from shared.kernel.store import Transaction
from shared.notifications.services.outbox import queue_admin_mail
from shared.payments.ports.payments import Refund
from shared.payments.services import refunds as payment_refunds

log = logging.getLogger(__name__)


Found = tuple[str, dict[str, Any], dict[str, Any] | None]
"""A call's session id, its session, its payment."""


def _session_of(tx: Transaction, payment_intent_id: object) -> Found | None:
    if not isinstance(payment_intent_id, str):
        return None
    payment = payment_refunds.load(tx, payment_intent_id)
    call_session_id = (payment or {}).get("callSessionId")
    session = tx.get(session_repository.session_path(str(call_session_id))) if call_session_id else None
    if session is None:
        return None
    return str(call_session_id), session, payment


def _record_refunded(
    tx: Transaction,
    found: Found,
    refund: Refund,
    *,
    by: str,
    reason: str,
    now: datetime,
    extra: dict[str, Any] | None = None,
) -> None:
    call_session_id, session, payment_doc = found
    path = session_repository.session_path(call_session_id)
    record_on_session(tx, path, session, payment_doc, refund, by=by, reason=reason, now=now, extra=extra)


def on_charge_refunded(tx: Transaction, event: dict[str, Any], now: datetime) -> None:
    charge = event["data"]["object"]
    found = _session_of(tx, charge.get("payment_intent"))
    if found is None:
        return
    recorded = int((found[1].get("payment") or {}).get("refundedAmount") or 0)
    missing = int(charge.get("amount_refunded") or 0) - recorded
    if missing <= 0:
        return  # the product's own refunds are recorded already
    refund = Refund(f"outside_{event['id']}", Money(missing, Currency.parse(charge.get("currency"))), "succeeded")
    _record_refunded(tx, found, refund, by="stripe", reason="refunded outside the product", now=now)


def _disputed(tx: Transaction, event: dict[str, Any]) -> tuple[dict[str, Any], Found | None]:
    dispute: dict[str, Any] = event["data"]["object"]
    return dispute, _session_of(tx, dispute.get("payment_intent"))


def on_dispute_created(tx: Transaction, event: dict[str, Any], now: datetime) -> None:
    dispute, found = _disputed(tx, event)
    if found is None:
        return
    call_session_id = found[0]
    tx.update(
        session_repository.session_path(call_session_id),
        {
            "disputed": True,
            "earningsFrozen": True,
            "dispute": {"id": dispute.get("id"), "reason": dispute.get("reason"), "status": dispute.get("status")},
            "updatedAt": now,
        },
    )
    queue_admin_mail(
        tx,
        f"dispute_{dispute.get('id')}",
        template="dispute_opened",
        data={"callSessionId": call_session_id, "amount": dispute.get("amount"), "reason": dispute.get("reason")},
        now=now,
    )


def on_dispute_closed(tx: Transaction, event: dict[str, Any], now: datetime) -> None:
    dispute, found = _disputed(tx, event)
    if found is None:
        return
    call_session_id = found[0]
    status = dispute.get("status")
    closed = {"dispute.status": status, "earningsFrozen": status != "won", "updatedAt": now}
    if status != "lost":
        tx.update(session_repository.session_path(call_session_id), closed)
        return
    payment = found[1].get("payment") or {}
    left = int(payment.get("capturedAmount") or found[1].get("amount") or 0) - int(payment.get("refundedAmount") or 0)
    amount = Money(min(int(dispute.get("amount") or 0), left), Currency.parse(dispute.get("currency")))
    if amount.minor <= 0:
        tx.update(session_repository.session_path(call_session_id), {**closed, "earningsFrozen": False})
        return
    refund = Refund(f"dispute_{dispute.get('id')}", amount, "lost")
    _record_refunded(
        tx, found, refund, by="stripe", reason="dispute lost", now=now, extra={**closed, "earningsFrozen": False}
    )


CHARGE_HANDLERS = {
    "charge.refunded": on_charge_refunded,
    "charge.dispute.created": on_dispute_created,
    "charge.dispute.closed": on_dispute_closed,
}
