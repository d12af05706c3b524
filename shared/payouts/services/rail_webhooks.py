"""The payment rails' webhooks: PayPal's `PAYMENT.PAYOUTS-ITEM.*` events (genuine only when PayPal's
verify-webhook-signature says so) and Wise's `transfers#state-change` (RSA-signed with Wise's
key). Nothing is written before the signature is checked. Each piece of news is applied once
through the ledger, in the transaction that moves the withdrawal and its wallet; news older than
what is known changes nothing."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from shared.affiliates.services.paid import mark_paid_commissions
from shared.kernel.clock import Clock
from shared.kernel.ledger import apply_once
from shared.kernel.store import DocumentStore, Transaction
from shared.payouts.adapters import withdrawal_repository
from shared.payouts.domain.rail_news import (
    PAYPAL_ITEM_EVENT,
    PAYPAL_ITEM_OUTCOMES,
    WISE_STATE_CHANGE,
    Outcome,
    RailNews,
    apply_news,
    wise_outcome,
)
from shared.payouts.domain.withdrawal import WithdrawalStatus
from shared.payouts.ports.rails import PayPalPayouts, RailUnavailable, WisePayouts
from shared.payouts.services.answers import WebhookAnswer
from shared.payouts.services.transitions import write_change

log = logging.getLogger(__name__)


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return parsed if isinstance(parsed, dict) else None


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _when(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def handle_paypal_webhook(
    headers: Mapping[str, str], body: bytes, *, store: DocumentStore, clock: Clock, paypal: Callable[[], PayPalPayouts]
) -> WebhookAnswer:
    event = _json_object(body)
    if event is None or not isinstance(event.get("id"), str):
        return WebhookAnswer(400, {"error": "not a PayPal event"})
    try:
        genuine = paypal().verify_webhook(headers, event)
    except RailUnavailable as exc:
        log.warning("paypal event %s not verified: %s", event["id"], exc)
        return WebhookAnswer(503, {"error": "PayPal could not verify it now; deliver again"})
    if not genuine:
        return WebhookAnswer(401, {"error": "signature not verified"})
    event_type = str(event.get("event_type") or "")
    outcome = PAYPAL_ITEM_OUTCOMES.get(event_type.removeprefix(PAYPAL_ITEM_EVENT))
    resource = _object(event.get("resource"))
    item = _object(resource.get("payout_item"))
    withdrawal_id = item.get("sender_item_id")
    if not event_type.startswith(PAYPAL_ITEM_EVENT) or outcome is None or not isinstance(withdrawal_id, str):
        return WebhookAnswer(200, {"ignored": event_type})
    news = RailNews(event_type.removeprefix(PAYPAL_ITEM_EVENT), outcome, _when(event.get("create_time")))
    reference = str(resource.get("payout_item_id") or "") or None
    return _apply(store, clock, f"paypal_{event['id']}", withdrawal_id, news, reference, rail="paypal")


def handle_wise_webhook(
    body: bytes, signature: str | None, *, store: DocumentStore, clock: Clock, wise: Callable[[], WisePayouts]
) -> WebhookAnswer:
    if not wise().verify_webhook(body, signature):
        return WebhookAnswer(401, {"error": "signature not verified"})
    event = _json_object(body) or {}
    data = _object(event.get("data"))
    resource = _object(data.get("resource"))
    state, transfer_id = data.get("current_state"), resource.get("id")
    if event.get("event_type") != WISE_STATE_CHANGE or not isinstance(state, str) or transfer_id is None:
        return WebhookAnswer(200, {"ignored": event.get("event_type")})
    news = RailNews(state, wise_outcome(state), _when(data.get("occurred_at")))
    withdrawal_id = withdrawal_repository.find_by_reference(store, "wise", str(transfer_id))
    if withdrawal_id is None:
        if news.outcome is Outcome.WAITING:
            return WebhookAnswer(200, {"ignored": "transfer not recorded yet"})
        # The send may not have recorded the transfer yet: Wise delivers again later.
        log.warning("wise transfer %s (%s) matches no withdrawal yet", transfer_id, state)
        return WebhookAnswer(503, {"error": "unknown transfer; deliver again"})
    return _apply(store, clock, f"wise_{transfer_id}_{state}", withdrawal_id, news, str(transfer_id), rail="wise")


def _apply(
    store: DocumentStore,
    clock: Clock,
    key: str,
    withdrawal_id: str,
    news: RailNews,
    reference: str | None,
    *,
    rail: str,
) -> WebhookAnswer:
    now = clock.now()
    entry: dict[str, Any] = {"kind": f"{rail}_payout", "withdrawalId": withdrawal_id, "news": news.rail_status}
    entry["at"] = now

    def apply(tx: Transaction) -> tuple[bool, Any]:
        def effect() -> Any:
            found = withdrawal_repository.read(tx, withdrawal_id)
            if found is None:
                return None
            before = found[0]
            after = apply_news(before, news)
            if after is None:
                return None
            if reference and not after.reference:
                after = replace(after, reference=reference)
            write_change(tx, before, after, by=rail, now=now)
            return after

        return apply_once(tx, key, effect, entry=entry)

    applied, after = store.run_transaction(apply)
    if after is None:
        return WebhookAnswer(200, {"applied": False, "duplicate": not applied})
    if after.status is WithdrawalStatus.COMPLETED:
        mark_paid_commissions(after.uid, store=store, clock=clock)
    log.info("%s news %s: withdrawal %s is %s", rail, news.rail_status, withdrawal_id, after.status.value)
    return WebhookAnswer(200, {"applied": True, "withdrawalId": withdrawal_id, "status": after.status.value})
