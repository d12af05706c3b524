"""Providers paid by PayPal: their earnings are kept for them and withdrawn by PayPal.

`payment.captured` credits the provider's share (`providerEarnings`) in the call's currency,
`payment.refunded` takes back its share of what is refunded so far; each event once (the ledger),
and only for a provider whose payout method is PayPal. A withdrawal moves the same balance through
`Holder` (what `withdrawals` and `transitions` ask of any wallet)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.accounts.services.provider_profiles import payout_method_of
from shared.kernel import events
from shared.kernel.clock import Clock
from shared.kernel.errors import FailedPrecondition
from shared.kernel.ledger import apply_once
from shared.kernel.store import Document, DocumentStore, Transaction
from shared.payouts.adapters import earnings_repository
from shared.payouts.domain.provider_earnings import PAID_BY_PLATFORM, EarningsBalance, taken_back

log = logging.getLogger(__name__)


def _captured(tx: Transaction, data: dict[str, Any], now: datetime) -> str | None:
    uid, earnings = str(data["providerId"]), int(data.get("providerEarnings") or 0)
    if earnings <= 0 or payout_method_of(tx, uid) != PAID_BY_PLATFORM:
        return None
    doc = earnings_repository.read_balances(tx, uid)
    balance = EarningsBalance.from_document(str(data["currency"]).lower(), doc).earn(earnings)
    entry = f"earn_{data['paymentIntentId']}"
    details = {"paymentIntentId": data["paymentIntentId"], "callSessionId": data.get("callSessionId")}
    details |= {"capturedAmount": int(data["amount"]), "takenBack": 0}
    earnings_repository.post(
        tx, entry, uid, "earnings", earnings, balance, exists=doc is not None, now=now, details=details
    )
    return entry


def _refunded(tx: Transaction, data: dict[str, Any], now: datetime) -> str | None:
    uid, earned_id = str(data["providerId"]), f"earn_{data['paymentIntentId']}"
    earned = earnings_repository.read_entry(tx, earned_id)
    if earned is None:
        return None  # not a provider paid by PayPal, or nothing was earned
    doc = earnings_repository.read_balances(tx, uid)
    already = int(earned.get("takenBack") or 0)
    back = taken_back(int(data["refundedTotal"]), int(earned["capturedAmount"]), int(earned["amount"]), already)
    if back == 0:
        return None
    balance = EarningsBalance.from_document(str(earned["currency"]), doc).earn(-back)
    entry = f"refund_{data['paymentIntentId']}_{data['refundId']}"
    earnings_repository.post(
        tx,
        entry,
        uid,
        "refund",
        -back,
        balance,
        exists=True,
        now=now,
        details={"paymentIntentId": data["paymentIntentId"]},
    )
    earnings_repository.note_taken_back(tx, earned_id, already + back)
    return entry


HANDLERS = {events.PAYMENT_CAPTURED: _captured, events.PAYMENT_REFUNDED: _refunded}


def apply_earnings_event(event_id: str, event: Document | None, *, store: DocumentStore, clock: Clock) -> str | None:
    """React to `domain_events/{event_id}` once; other types are ignored."""
    if event is None or event.get("type") not in HANDLERS:
        return None
    handler, now = HANDLERS[str(event["type"])], clock.now()

    def apply(tx: Transaction) -> str | None:
        _, entry = apply_once(
            tx,
            f"provider_earnings_{event_id}",
            lambda: handler(tx, dict(event.get("data") or {}), now),
            entry={"kind": "provider_earnings", "type": event["type"], "at": now},
        )
        return entry

    entry: str | None = store.run_transaction(apply)
    if entry:
        log.info("provider earnings from %s: %s", event_id, entry)
    return entry


@dataclass(frozen=True)
class ProviderWallet:
    """A provider's balance in one currency, as read in the caller's transaction."""

    uid: str
    balance: EarningsBalance
    exists: bool


def read_provider_wallet(tx: Transaction, uid: str, currency: str) -> ProviderWallet:
    doc = earnings_repository.read_balances(tx, uid)
    return ProviderWallet(uid, EarningsBalance.from_document(currency, doc), doc is not None)


def prepare_provider_debit(tx: Transaction, uid: str, currency: str, amount: int) -> ProviderWallet:
    if payout_method_of(tx, uid) != PAID_BY_PLATFORM:
        raise FailedPrecondition("method: your earnings are paid through Stripe, not withdrawn here", field="method")
    wallet = read_provider_wallet(tx, uid, currency)
    if not 0 < amount <= wallet.balance.available:
        raise FailedPrecondition(
            f"amountCents: only {max(wallet.balance.available, 0)} {currency} cents are available", field="amountCents"
        )
    return wallet


def provider_move(
    tx: Transaction, wallet: ProviderWallet, amount: int, kind: str, wid: str, *, now: datetime, paid_out: int = 0
) -> int:
    """A withdrawal (negative amount) or its credit back (positive), with what it changes of the
    total paid out (a paid withdrawal taken back); the available balance after."""
    balance = wallet.balance.move(amount).paid_out(paid_out)
    earnings_repository.post(
        tx,
        f"{kind}_{wid}",
        wallet.uid,
        kind,
        amount,
        balance,
        exists=wallet.exists,
        now=now,
        details={"withdrawalId": wid},
    )
    return balance.available


def provider_paid_out(tx: Transaction, wallet: ProviderWallet, amount: int, *, now: datetime) -> None:
    """A withdrawal was paid (or, negative, a paid one taken back)."""
    fields = {**wallet.balance.paid_out(amount).to_fields(), "updatedAt": now}
    tx.update(earnings_repository.balances_path(wallet.uid), fields)


def reconcile_provider(store: DocumentStore, uid: str) -> dict[str, int]:
    """Stored available balance less the sum of the entries, per currency (0 expected)."""
    doc = earnings_repository.read_balances(store, uid) or {}
    sums: dict[str, int] = {}
    for entry in earnings_repository.entries_of(store, uid):
        sums[str(entry["currency"])] = sums.get(str(entry["currency"]), 0) + int(entry["amount"])
    currencies = set(sums) | set(doc.get("currencies") or {})
    return {c: EarningsBalance.from_document(c, doc).available - sums.get(c, 0) for c in sorted(currencies)}


def reconcile_all_providers(store: DocumentStore) -> dict[str, Any]:
    """Every provider's earnings balances against their entries: those that differ, and by how much."""
    reports = [(uid, reconcile_provider(store, uid)) for uid in earnings_repository.holders(store)]
    off = [(uid, diff) for uid, diff in reports if any(diff.values())]
    cents = sum(abs(v) for _, diff in off for v in diff.values())
    shown = [{"providerId": uid, "difference": diff} for uid, diff in off]
    return {"providers": len(reports), "providersOff": shown, "unexplainedCents": cents}
