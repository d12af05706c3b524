"""Effects of payment and session changes (Firestore triggers, delivered at least once).

Each effect is keyed by the change it reacts to, so a redelivered trigger does nothing new.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from shared.accounts.services.provider_profiles import account_path, profile_path, tx_read_account
from shared.kernel.ledger import apply_once, ledger_path
from shared.kernel.store import DocumentStore, Transaction
from shared.notifications.services.outbox import queue_mail


def _became(before: dict[str, Any] | None, after: dict[str, Any] | None, field: str, value: Any) -> bool:
    return after is not None and after.get(field) == value and (before or {}).get(field) != value


def _once(tx: Transaction, key: str, now: datetime) -> bool:
    """Claims the trigger's effect (the caller's writes follow, in the same transaction)."""
    applied, _ = apply_once(tx, f"trigger_{key}", lambda: None, entry={"source": "trigger", "processedAt": now})
    return applied


def on_payment_authorized(
    payment_id: str, before: dict[str, Any] | None, after: dict[str, Any] | None, *, store: DocumentStore, now: datetime
) -> bool:
    """Conversion tracking: one `conversion_events` entry per authorised hold."""
    if not _became(before, after, "state", "authorized") or after is None:
        return False
    event_path = f"conversion_events/{payment_id}_payment_authorized"

    def apply(tx: Transaction) -> bool:
        if tx.get(event_path) is not None:
            return False
        tx.create(
            event_path,
            {
                "type": "payment_authorized",
                "paymentIntentId": payment_id,
                "callSessionId": after.get("callSessionId"),
                "clientId": after.get("clientId"),
                "providerId": after.get("providerId"),
                "amount": after.get("amount"),
                "currency": after.get("currency"),
                "at": now,
            },
        )
        return True

    return store.run_transaction(apply)


def on_session_payment_captured(
    call_session_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    *,
    store: DocumentStore,
    now: datetime,
) -> bool:
    """Provider statistics and earnings notice once a session's payment is captured."""
    if not _became(before, after, "paymentCaptured", True) or after is None:
        return False
    provider_id = after["providerId"]

    def apply(tx: Transaction) -> bool:
        ledger_key = f"captured_{call_session_id}"
        if tx.get(ledger_path(f"trigger_{ledger_key}")) is not None:
            return False
        provider = tx.get(profile_path(provider_id))
        account = tx_read_account(tx, provider_id)
        _once(tx, ledger_key, now)
        if provider is not None:
            earnings = int(after.get("providerEarnings") or 0)
            totals = dict(account.get("earningsByCurrency") or {})
            totals[after["currency"]] = int(totals.get(after["currency"], 0)) + earnings
            tx.update(profile_path(provider_id), {"completedCalls": int(provider.get("completedCalls", 0)) + 1})
            tx.set(account_path(provider_id), {"earningsByCurrency": totals}, merge=True)
        queue_mail(
            tx,
            f"earnings_{call_session_id}",
            to_uid=after["providerId"],
            template="provider_earnings",
            data={
                "callSessionId": call_session_id,
                "amount": after.get("providerEarnings"),
                "currency": after.get("currency"),
            },
            now=now,
        )
        return True

    return store.run_transaction(apply)


MAILS = {"captured": "payment_receipt", "failed": "payment_failed"}
"""The mail a payment's new state sends its client."""


def on_payment_state(
    payment_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    *,
    store: DocumentStore,
    now: datetime,
    only: str | None = None,
) -> str | None:
    """Tell the client what the change means: a receipt once captured, a notice once failed
    (`only`: that state's mail alone, for a function that answers one of them)."""
    state = next((s for s in MAILS if (only in (None, s)) and _became(before, after, "state", s)), None)
    if after is None or state is None:
        return None
    template = MAILS[state]

    def apply(tx: Transaction) -> None:
        if not _once(tx, f"{template}_{payment_id}_{after.get('lastEventId', '')}", now):
            return  # redelivered trigger: the mail is queued already (and may carry its delivery state)
        queue_mail(
            tx,
            f"{template}_{payment_id}_{after.get('lastEventId', '')}",
            to_uid=after["clientId"],
            template=template,
            data={"paymentIntentId": payment_id, "amount": after.get("amount"), "currency": after.get("currency")},
            now=now,
        )

    store.run_transaction(apply)
    return template


on_payment_received = functools.partial(on_payment_state, only="captured")
"""handlePaymentReceived: the receipt, once the payment is captured (no other change)."""
on_payment_failed = functools.partial(on_payment_state, only="failed")
"""handlePaymentFailed: the card-declined notice, once the payment failed (no other change)."""
