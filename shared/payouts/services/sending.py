"""processWithdrawal (admins): a bank transfer is marked paid with the bank's reference; a PayPal or
Wise withdrawal is sent to its rail and waits there (`processing`) for the rail's news.

The withdrawal is claimed (`processing`) in a transaction, sent outside it (never a provider call
inside a transaction), then its payout reference is recorded. The rails' idempotency keys come from
the withdrawal id, so a send repeated — a double click, a retry after a lost answer — pays once; a
processing withdrawal whose payout is recorded is not sent again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shared.kernel.clock import Clock
from shared.kernel.commands import Caller, require_admin
from shared.kernel.errors import FailedPrecondition, InvalidArgument, NotFound, Unavailable
from shared.kernel.store import DocumentStore, Transaction
from shared.payouts.adapters import withdrawal_repository
from shared.payouts.domain.withdrawal import Withdrawal, WithdrawalClosed, WithdrawalMethod, WithdrawalStatus
from shared.payouts.ports.rails import (
    PayoutSent,
    PayPalPayouts,
    RailBlocked,
    RailRefused,
    RailUnavailable,
    WisePayouts,
    WiseRecipient,
)
from shared.payouts.services.commands import ProcessWithdrawalCommand
from shared.payouts.services.transitions import answer, read_withdrawal, write_change
from shared.payouts.services.withdrawals import mark_bank_withdrawal_paid

RAIL_NAMES = {WithdrawalMethod.PAYPAL: "PayPal", WithdrawalMethod.WISE: "Wise"}


@dataclass(frozen=True)
class Rails:
    """The payment rails, created only when a withdrawal is sent to one."""

    paypal: Callable[[], PayPalPayouts]
    wise: Callable[[], WisePayouts]


def process_withdrawal(
    cmd: ProcessWithdrawalCommand, caller: Caller | None, *, store: DocumentStore, clock: Clock, rails: Rails
) -> dict[str, Any]:
    admin = require_admin(caller)
    found = withdrawal_repository.read(store, cmd.withdrawalId)
    if found is None:
        raise NotFound(f"withdrawalId: no withdrawal {cmd.withdrawalId!r}", field="withdrawalId")
    if found[0].method is WithdrawalMethod.BANK:
        return mark_bank_withdrawal_paid(cmd, caller, store=store, clock=clock)
    if cmd.bankReference is not None:
        raise InvalidArgument("bankReference", f"is only for bank transfers; this one is paid by {found[0].method}")
    now = clock.now()

    def claim(tx: Transaction) -> tuple[Withdrawal, bool]:
        before = read_withdrawal(tx, cmd.withdrawalId)
        if before.status is WithdrawalStatus.PROCESSING and before.reference:
            return before, False
        try:
            after = before.start_processing()
        except WithdrawalClosed as exc:
            raise FailedPrecondition(f"withdrawalId: {exc}", field="withdrawalId") from None
        write_change(tx, before, after, by=admin.uid, now=now)
        return after, True

    withdrawal, send = store.run_transaction(claim)
    if not send:
        return {**answer(withdrawal), "sent": False}
    rail = RAIL_NAMES[withdrawal.method]
    try:
        sent = _send(withdrawal, rails)
    except RailRefused as exc:
        reason = f"refused by {rail}: {exc.message}"[:500]
        return {**_fail(store, withdrawal.withdrawal_id, reason, clock), "sent": False}
    except RailUnavailable as exc:
        raise Unavailable(f"{rail} did not answer ({exc}): nothing was paid twice; process it again") from None
    except RailBlocked as exc:
        raise FailedPrecondition(
            f"{rail} cannot fund it yet ({exc}): top up the balance, then process it again"
        ) from None
    return {**_record(store, withdrawal.withdrawal_id, sent, clock), "sent": True}


def _send(withdrawal: Withdrawal, rails: Rails) -> PayoutSent:
    details = withdrawal.details
    if withdrawal.method is WithdrawalMethod.PAYPAL:
        return rails.paypal().send(
            withdrawal_id=withdrawal.withdrawal_id,
            receiver_email=str(details["email"]),
            amount=withdrawal.amount,
            currency=withdrawal.currency,
            note="SOS-Expat: your earnings",
        )
    recipient = WiseRecipient(str(details["accountHolderName"]), str(details["iban"]), str(details["currency"]))
    return rails.wise().send(
        withdrawal_id=withdrawal.withdrawal_id,
        amount=withdrawal.amount,
        currency=withdrawal.currency,
        recipient=recipient,
    )


def _record(store: DocumentStore, withdrawal_id: str, sent: PayoutSent, clock: Clock) -> dict[str, Any]:
    now = clock.now()

    def record(tx: Transaction) -> Withdrawal:
        before = read_withdrawal(tx, withdrawal_id)
        after = before.sent(sent.reference, sent.status)
        if after != before:
            withdrawal_repository.update(
                tx, after, {"reference": after.reference, "railStatus": after.rail_status, "sentAt": now}, now=now
            )
        return after

    return answer(store.run_transaction(record))


def _fail(store: DocumentStore, withdrawal_id: str, reason: str, clock: Clock) -> dict[str, Any]:
    now = clock.now()

    def fail(tx: Transaction) -> Withdrawal:
        before = read_withdrawal(tx, withdrawal_id)
        if before.status is not WithdrawalStatus.PROCESSING:
            return before  # the rail's news came first
        after = before.fail(reason)
        write_change(tx, before, after, by="rail", now=now)
        return after

    return answer(store.run_transaction(fail))
