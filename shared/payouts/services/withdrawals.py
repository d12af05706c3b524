"""requestWithdrawal (an affiliate), listWithdrawals, rejectWithdrawal and the bank path of
processWithdrawal (admins). The amount leaves the wallet in the transaction that opens the
withdrawal — at most one open per affiliate, read in that same transaction, so of concurrent
requests exactly one passes — and goes back in the transaction that fails or rejects it."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any

from shared.accounts.services.provider_profiles import PROVIDER_TYPES
from shared.affiliates.services import wallet_moves
from shared.affiliates.services.paid import mark_paid_commissions
from shared.kernel.clock import Clock
from shared.kernel.commands import Caller, require_admin, require_caller
from shared.kernel.errors import FailedPrecondition, InvalidArgument
from shared.kernel.store import DocumentStore, Transaction
from shared.payouts.adapters import withdrawal_repository
from shared.payouts.domain.withdrawal import AFFILIATE, PROVIDER, Withdrawal, WithdrawalClosed, WithdrawalMethod
from shared.payouts.services.commands import (
    ListWithdrawalsCommand,
    ProcessWithdrawalCommand,
    RejectWithdrawalCommand,
    RequestWithdrawalCommand,
)
from shared.payouts.services.provider_earnings import prepare_provider_debit, provider_move
from shared.payouts.services.transitions import answer, read_withdrawal, write_change


def _withdrawal_id(uid: str, request_id: str | None) -> str:
    if request_id is None:
        return f"wd_{uuid.uuid4().hex[:20]}"
    return f"wd_{hashlib.sha256(f'{uid}|{request_id}'.encode()).hexdigest()[:20]}"


def shown(doc: dict[str, Any]) -> dict[str, Any]:
    """A withdrawal as its owner sees it: the account number masked."""
    details = dict(doc.get("details") or {})
    if "iban" in details:
        details["iban"] = f"••••{str(details['iban'])[-4:]}"
    at = {k: v.isoformat() for k, v in doc.items() if k.endswith("At") and isinstance(v, datetime)}
    keep = ("withdrawalId", "amount", "currency", "method", "status", "reference", "reason", "holder")
    return {**{k: doc.get(k) for k in keep}, "details": details, **at}


def request_withdrawal(
    cmd: RequestWithdrawalCommand, caller: Caller | None, *, store: DocumentStore, clock: Clock
) -> dict[str, Any]:
    user = require_caller(caller)
    provider = user.claims.get("role") in PROVIDER_TYPES
    if provider and cmd.method != WithdrawalMethod.PAYPAL.value:
        raise InvalidArgument("method", "providers withdraw their earnings by PayPal")
    if not provider and cmd.currency != "usd":
        raise InvalidArgument("currency", "an affiliate's wallet is in usd")
    withdrawal = Withdrawal(
        _withdrawal_id(user.uid, cmd.requestId),
        user.uid,
        cmd.amountCents,
        WithdrawalMethod(cmd.method),
        cmd.details,
        currency=cmd.currency,
        holder=PROVIDER if provider else AFFILIATE,
    )
    now = clock.now()

    def open_one(tx: Transaction) -> dict[str, Any]:
        already = withdrawal_repository.read(tx, withdrawal.withdrawal_id)
        if already is not None:
            return {**shown(already[1]), "created": False}  # the same request sent again
        if withdrawal_repository.open_withdrawal_of(tx, user.uid) is not None:
            raise FailedPrecondition("a withdrawal of yours is already in progress: wait for it to finish")
        wid, amount = withdrawal.withdrawal_id, withdrawal.amount
        if provider:
            earnings = prepare_provider_debit(tx, user.uid, withdrawal.currency, amount)
            available = provider_move(tx, earnings, -amount, "withdrawal", wid, now=now)
            role = str(user.claims["role"])
        else:
            wallet = wallet_moves.prepare_debit(tx, user.uid, amount)
            available = wallet_moves.debit(tx, wallet, amount, wid, now=now).available
            role = wallet.role.value
        withdrawal_repository.create(tx, withdrawal, role=role, now=now)
        doc = {**withdrawal.to_document(), "requestedAt": now}
        return {**shown(doc), "created": True, "available": available}

    result: dict[str, Any] = store.run_transaction(open_one)
    return result


def list_withdrawals(cmd: ListWithdrawalsCommand, caller: Caller | None, *, store: DocumentStore) -> dict[str, Any]:
    require_admin(caller)
    rows = withdrawal_repository.with_status(store, cmd.status)
    return {"withdrawals": [{**shown(doc), "uid": doc.get("uid"), "role": doc.get("role")} for doc in rows]}


def _transition(store: DocumentStore, withdrawal_id: str, change: Any, *, by: str, now: datetime) -> dict[str, Any]:
    """Apply `change(withdrawal) -> withdrawal` once, with its wallet move."""

    def apply(tx: Transaction) -> dict[str, Any]:
        before = read_withdrawal(tx, withdrawal_id)
        try:
            after = change(before)
        except WithdrawalClosed as exc:
            raise FailedPrecondition(f"withdrawalId: {exc}", field="withdrawalId") from None
        write_change(tx, before, after, by=by, now=now)
        return answer(after)

    result: dict[str, Any] = store.run_transaction(apply)
    return result


def reject_withdrawal(
    cmd: RejectWithdrawalCommand, caller: Caller | None, *, store: DocumentStore, clock: Clock
) -> dict[str, Any]:
    admin = require_admin(caller)
    reason = cmd.reason.strip()
    return _transition(store, cmd.withdrawalId, lambda w: w.reject(reason), by=admin.uid, now=clock.now())


def mark_bank_withdrawal_paid(
    cmd: ProcessWithdrawalCommand, caller: Caller | None, *, store: DocumentStore, clock: Clock
) -> dict[str, Any]:
    """processWithdrawal for a bank transfer the admin made: completed with the bank's reference."""
    admin = require_admin(caller)
    reference = (cmd.bankReference or "").strip()
    if not reference or len(reference) > 140:
        raise InvalidArgument("bankReference", "is required for a bank transfer: the reference the bank gave")

    def pay(withdrawal: Withdrawal) -> Withdrawal:
        if withdrawal.method is not WithdrawalMethod.BANK:
            raise WithdrawalClosed(withdrawal.status, f"marked paid by hand (it is paid by {withdrawal.method.value})")
        return withdrawal.complete(reference)

    answer = _transition(store, cmd.withdrawalId, pay, by=admin.uid, now=clock.now())
    found = withdrawal_repository.read(store, cmd.withdrawalId)
    if found is not None:
        answer["commissionsPaid"] = len(mark_paid_commissions(found[0].uid, store=store, clock=clock))
    return answer
