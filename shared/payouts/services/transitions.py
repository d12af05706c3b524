"""A withdrawal's change of state and the wallet move it carries, inside the caller's transaction:
paid, the amount counts as withdrawn (commissions may become `paid`); failed or rejected, it is
credited back once; a paid one reversed is both undone. Reads come first, as a transaction needs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.affiliates.services import wallet_moves
from shared.kernel.errors import NotFound
from shared.kernel.store import Transaction
from shared.payouts.adapters import withdrawal_repository
from shared.payouts.domain.withdrawal import CREDITED_BACK, PROVIDER, Withdrawal, WithdrawalStatus, status_change
from shared.payouts.services.provider_earnings import provider_move, provider_paid_out, read_provider_wallet


def read_withdrawal(tx: Transaction, withdrawal_id: str) -> Withdrawal:
    found = withdrawal_repository.read(tx, withdrawal_id)
    if found is None:
        raise NotFound(f"withdrawalId: no withdrawal {withdrawal_id!r}", field="withdrawalId")
    return found[0]


def write_change(tx: Transaction, before: Withdrawal, after: Withdrawal, *, by: str, now: datetime) -> None:
    """Write `before -> after` and its wallet move. Nothing may have been written in `tx` yet
    (the wallet is read here)."""
    paid = after.status is WithdrawalStatus.COMPLETED and before.status is not WithdrawalStatus.COMPLETED
    credited = after.status in CREDITED_BACK and before.status not in CREDITED_BACK
    if before.holder == PROVIDER:
        _provider_change(tx, before, after, paid=paid, credited=credited, by=by, now=now)
        return
    wallet = wallet_moves.read_wallet(tx, before.uid) if paid or credited else None
    withdrawal_repository.update(tx, after, status_change(before, after, now, by), now=now)
    if wallet is None:
        return
    if paid:
        wallet_moves.record_paid_out(tx, wallet, before.amount, now=now)
        return
    wallet_moves.credit_back(tx, wallet, before.amount, before.withdrawal_id, now=now)
    if before.status is WithdrawalStatus.COMPLETED:
        wallet_moves.record_paid_out(tx, wallet, -before.amount, now=now)


def _provider_change(
    tx: Transaction, before: Withdrawal, after: Withdrawal, *, paid: bool, credited: bool, by: str, now: datetime
) -> None:
    """The same moves on a provider's earnings balance (in the withdrawal's currency)."""
    wallet = read_provider_wallet(tx, before.uid, before.currency) if paid or credited else None
    withdrawal_repository.update(tx, after, status_change(before, after, now, by), now=now)
    if wallet is None:
        return
    if paid:
        provider_paid_out(tx, wallet, before.amount, now=now)
        return
    taken_back = -before.amount if before.status is WithdrawalStatus.COMPLETED else 0
    provider_move(tx, wallet, before.amount, "withdrawal_reversal", before.withdrawal_id, now=now, paid_out=taken_back)


def answer(withdrawal: Withdrawal) -> dict[str, Any]:
    return {
        "withdrawalId": withdrawal.withdrawal_id,
        "status": withdrawal.status.value,
        "reference": withdrawal.reference,
        "railStatus": withdrawal.rail_status,
    }
