"""Commissions from the payments area's domain events, applied once per event id.

- `payment.captured`: the client's and the provider's referral chains (first touch, within the
  attribution window) earn their shares (`split_capture`), converted to USD cents at the rate
  stored on each commission, `pending` until the hold period ends; the beneficiaries' pending
  and lifetime balances move in the same transaction.
- `payment.refunded`: every commission of the call gives back its share of what is refunded
  so far: a pending one leaves the pending balance, an available or paid one is clawed back
  from the wallet by a negative entry; fully given back, an unpaid one is `voided`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from shared.affiliates.adapters import affiliate_repository, commission_repository
from shared.affiliates.domain.affiliate import AffiliateRole, Sponsor
from shared.affiliates.domain.commissions import (
    Commission,
    CommissionState,
    Side,
    available_from,
    split_capture,
    to_wallet_cents,
)
from shared.affiliates.domain.dashboard import referral_key
from shared.affiliates.domain.settings import AffiliateSettings, FxSettings
from shared.kernel import events
from shared.kernel.clock import Clock
from shared.kernel.ledger import apply_once
from shared.kernel.store import Document, DocumentStore, Transaction
from shared.wallet.domain.wallet import Balances, Entry, EntryKind
from shared.wallet.services import ledger

log = logging.getLogger(__name__)


def _chain(referral: Document | None, at: datetime) -> list[Sponsor]:
    """The referral chain that earns on a payment at `at` (none once the attribution expired)."""
    if referral is None or (referral.get("expiresAt") is not None and referral["expiresAt"] <= at):
        return []
    return [Sponsor(str(link["uid"]), AffiliateRole(link["role"])) for link in referral.get("chain") or []]


class _Profiles:
    """The beneficiaries' profiles read in one transaction, their balances written once at the end."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        self._docs: dict[str, tuple[str, Document | None]] = {}
        self.balances: dict[str, Balances] = {}

    def read(self, uid: str, role: AffiliateRole) -> Document | None:
        if uid not in self._docs:
            path = affiliate_repository.profile_path(role, uid)
            doc = self._tx.get(path)
            self._docs[uid] = (path, doc)
            if doc is not None:
                self.balances[uid] = Balances.from_document(doc)
        return self._docs[uid][1]

    def write(self, now: datetime) -> None:
        for uid, balances in self.balances.items():
            path, doc = self._docs[uid]
            if doc is not None and Balances.from_document(doc) != balances:
                self._tx.update(path, {**balances.to_document(), "walletUpdatedAt": now})


def on_payment_captured(tx: Transaction, event_id: str, data: dict[str, Any], now: datetime) -> list[str]:
    """The commissions this capture earns; their ids."""
    call_session_id, currency = str(data["callSessionId"]), str(data["currency"])
    settings = AffiliateSettings.from_document(tx.get(AffiliateSettings.PATH))
    fx_rate, fx_source = FxSettings.from_document(tx.get(FxSettings.PATH)).usd_per(currency)
    captured_at = data.get("capturedAt") or now
    client_chain = _chain(commission_repository.read_referral(tx, data.get("clientId")), captured_at)
    provider_chain = _chain(commission_repository.read_referral(tx, data.get("providerId")), captured_at)
    if not client_chain and not provider_chain:
        return []
    profiles = _Profiles(tx)
    active = {
        b.uid
        for b in (*client_chain, *provider_chain)
        if (profiles.read(b.uid, b.role) or {}).get("status") == "active"
    }
    captured = int(data["amount"])
    earnings = min(int(data["providerEarnings"]), captured)
    split = split_capture(
        captured,
        earnings,
        [b for b in client_chain if b.uid in active],
        [b for b in provider_chain if b.uid in active],
        settings.rates.as_rates(),
    )
    referred = {Side.CLIENT: data.get("clientId"), Side.PROVIDER: data.get("providerId")}
    written = []
    for share in split.shares:
        cid = commission_repository.commission_id(call_session_id, share.side.value, share.level)
        wallet_amount = to_wallet_cents(share.amount, fx_rate)
        tx.set(
            commission_repository.commission_path(cid),
            {
                "commissionId": cid,
                "beneficiaryId": share.beneficiary.uid,
                "beneficiaryRole": share.beneficiary.role.value,
                "side": share.side.value,
                "level": share.level,
                "source": {"type": "call", "callSessionId": call_session_id, "eventId": event_id},
                "base": share.base,
                "rate": share.rate,
                "amount": share.amount,
                "currency": currency,
                "fxRate": str(fx_rate),
                "fxSource": fx_source,
                "walletAmount": wallet_amount,
                "walletCurrency": "usd",
                "takenBack": 0,
                "state": CommissionState.PENDING.value,
                "availableAt": available_from(captured_at, settings.hold_days),
                "capturedAmount": captured,
                "referralKey": referral_key(str(referred[share.side])),
                "createdAt": now,
                "updatedAt": now,
            },
        )
        uid = share.beneficiary.uid
        profiles.balances[uid] = profiles.balances[uid].accrue(wallet_amount)
        written.append(cid)
    profiles.write(now)
    return written


def on_payment_refunded(tx: Transaction, event_id: str, data: dict[str, Any], now: datetime) -> list[str]:
    """What the refund takes back from each of the call's commissions; the ids that changed."""
    found = commission_repository.call_commissions(tx, str(data["callSessionId"]))
    profiles = _Profiles(tx)
    for doc in found.values():
        profiles.read(str(doc["beneficiaryId"]), AffiliateRole(doc["beneficiaryRole"]))
    changed = []
    for cid, doc in found.items():
        before = Commission(int(doc["walletAmount"]), CommissionState(doc["state"]), int(doc.get("takenBack") or 0))
        after, more = before.after_refund(
            int(data["refundedTotal"]), int(doc.get("capturedAmount") or data["capturedAmount"])
        )
        if more == 0:
            continue
        uid = str(doc["beneficiaryId"])
        balances = profiles.balances.get(uid, Balances())
        if before.state is CommissionState.PENDING:
            balances = balances.void_pending(more)
        else:
            entry = Entry(EntryKind.CLAWBACK, -more, f"refund:{data['refundId']}")
            entry_id = f"clawback_{cid}_{data['refundId']}"
            balances = ledger.post(tx, entry_id, uid, entry, balances, now=now, details={"commissionId": cid})
        profiles.balances[uid] = balances
        tx.update(
            commission_repository.commission_path(cid),
            {
                "takenBack": after.taken_back,
                "state": after.state.value,
                "updatedAt": now,
                "lastRefundEventId": event_id,
            },
        )
        changed.append(cid)
    profiles.write(now)
    return changed


HANDLERS: dict[str, Callable[[Transaction, str, dict[str, Any], datetime], list[str]]] = {
    events.PAYMENT_CAPTURED: on_payment_captured,
    events.PAYMENT_REFUNDED: on_payment_refunded,
}


def apply_domain_event(event_id: str, event: Document | None, *, store: DocumentStore, clock: Clock) -> list[str]:
    """React to `domain_events/{event_id}` once; other types are acknowledged and ignored."""
    if event is None or event.get("type") not in HANDLERS:
        return []
    handler, now = HANDLERS[str(event["type"])], clock.now()

    def apply(tx: Transaction) -> list[str]:
        _, result = apply_once(
            tx,
            f"domain_event_{event_id}",
            lambda: handler(tx, event_id, dict(event.get("data") or {}), now),
            entry={"kind": "domain_event", "type": event["type"], "at": now},
        )
        return result or []

    result: list[str] = store.run_transaction(apply)
    log.info("domain event %s (%s): %s", event_id, event.get("type"), result)
    return result
