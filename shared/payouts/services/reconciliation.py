"""The payouts reconciliation (an admin command and a daily cron): every wallet against its
ledger, and every payout the rails were sent in the window against the rail's own record. A
completed withdrawal must be paid there, for the same amount and currency; a failed one (credited
back) must not be paid there. Anything else is reported, in cents, as unexplained."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from shared.affiliates.services.reconciliation import reconcile_all_wallets
from shared.kernel.clock import Clock
from shared.kernel.commands import Caller, require_admin
from shared.kernel.store import DocumentStore
from shared.payouts.adapters import withdrawal_repository
from shared.payouts.domain.withdrawal import Withdrawal, WithdrawalMethod, WithdrawalStatus
from shared.payouts.ports.rails import PayoutRecord, RailRefused, RailUnavailable
from shared.payouts.services.provider_earnings import reconcile_all_providers
from shared.payouts.services.sending import Rails

WINDOW = timedelta(days=35)  # PayPal gives an unclaimed payout back after 30 days


def _said(record: PayoutRecord) -> dict[str, Any]:
    return {"status": record.status, "amount": record.amount, "currency": record.currency}


def _problem(withdrawal: Withdrawal, record: PayoutRecord | None, why: str) -> dict[str, Any]:
    return {
        "withdrawalId": withdrawal.withdrawal_id,
        "method": withdrawal.method.value,
        "status": withdrawal.status.value,
        "amount": withdrawal.amount,
        "reference": withdrawal.reference,
        "rail": None if record is None else _said(record),
        "why": why,
    }


def _check(withdrawal: Withdrawal, record: PayoutRecord) -> str | None:
    if withdrawal.status is WithdrawalStatus.COMPLETED:
        if not record.paid:
            return "completed here, not paid by the rail"
        if (record.amount, record.currency) != (withdrawal.amount, withdrawal.currency):
            return "paid by the rail for another amount"
    if withdrawal.status is WithdrawalStatus.FAILED and record.paid:
        return "credited back here, paid by the rail"
    return None


def reconcile_payouts(*, store: DocumentStore, clock: Clock, rails: Rails) -> dict[str, Any]:
    since = clock.now() - WINDOW
    problems: list[dict[str, Any]] = []
    checked = 0
    for status in (WithdrawalStatus.COMPLETED, WithdrawalStatus.FAILED):
        for doc in withdrawal_repository.with_status(store, status.value, limit=10_000):
            withdrawal = Withdrawal.from_document(doc)
            changed = doc.get("updatedAt")
            if withdrawal.method is WithdrawalMethod.BANK or not withdrawal.reference:
                continue  # a bank transfer's record is the admin's reference; a refused send paid nothing
            if isinstance(changed, datetime) and changed < since:
                continue
            rail = rails.paypal() if withdrawal.method is WithdrawalMethod.PAYPAL else rails.wise()
            checked += 1
            try:
                record = rail.record(withdrawal.reference)
            except (RailUnavailable, RailRefused) as exc:
                problems.append(_problem(withdrawal, None, f"the rail's record could not be read: {exc}"))
                continue
            why = _check(withdrawal, record)
            if why is not None:
                problems.append(_problem(withdrawal, record, why))
    wallets = reconcile_all_wallets(store=store)
    providers = reconcile_all_providers(store)
    payout_cents = sum(p["amount"] for p in problems)
    return {
        "checkedAt": clock.now().isoformat(),
        "payoutsChecked": checked,
        "payoutProblems": problems,
        "wallets": wallets["wallets"],
        "walletsOff": wallets["walletsOff"],
        "providerBalances": providers["providers"],
        "providerBalancesOff": providers["providersOff"],
        "unexplainedCents": payout_cents + wallets["unexplainedCents"] + providers["unexplainedCents"],
    }


def reconcile_payouts_command(
    caller: Caller | None, *, store: DocumentStore, clock: Clock, rails: Rails
) -> dict[str, Any]:
    """The admin callable."""
    require_admin(caller)
    return reconcile_payouts(store=store, clock=clock, rails=rails)


def record_reconciliation(*, store: DocumentStore, clock: Clock, rails: Rails) -> dict[str, Any]:
    """The daily cron: the report is kept, one per day, for the admins."""
    report = reconcile_payouts(store=store, clock=clock, rails=rails)
    withdrawal_repository.save_reconciliation(store, clock.now().date().isoformat(), report)
    return report
