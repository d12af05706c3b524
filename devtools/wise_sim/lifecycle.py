"""How a transfer moves through Wise's states, on the virtual clock.

::

    incoming_payment_waiting --fund--> processing --60 s--> funds_converted --240 s--> outgoing_payment_sent
           |                              |                        |
           | cancel (or 14 days unfunded) | cancel                 +--240 s (bounce fault)--> bounced_back
           v                              v                                                    |
        cancelled                      cancelled --600 s--> funds_refunded <-------3600 s-------+

Funding debits the source balance by the quote's ``sourceAmount``; ``funds_refunded``
credits it back. Each state entered sends one ``transfers#state-change`` webhook. A
transfer *rests* when no step is left scheduled for it (``outgoing_payment_sent``,
``funds_refunded``, or ``cancelled`` when it was never funded); that is when webhooks
held by ``deliver_out_of_order`` are released. ``advance`` (the control API) runs a
transfer's next step at once.
"""

from __future__ import annotations

from typing import Any

from devtools.wise_sim.clock import VirtualClock, iso_z
from devtools.wise_sim.errors import WiseError
from devtools.wise_sim.faults import Faults
from devtools.wise_sim.ledger import Ledger
from devtools.wise_sim.models import (
    BOUNCED_BACK,
    CANCELLABLE,
    CANCELLED,
    FUNDS_CONVERTED,
    FUNDS_REFUNDED,
    OUTGOING_PAYMENT_SENT,
    PROCESSING,
    WAITING,
    Transfer,
)
from devtools.wise_sim.webhooks import Webhooks

PROCESSING_SECONDS = 60.0
CONVERSION_SECONDS = 240.0
BOUNCE_REFUND_SECONDS = 3600.0
CANCEL_REFUND_SECONDS = 600.0
UNFUNDED_CANCEL_SECONDS = 14 * 24 * 3600.0  # "funded within fourteen days, otherwise cancelled"


class LifecycleError(Exception):
    """A control request the transfer's state does not allow (``/_control`` answers 409)."""


class Lifecycle:
    def __init__(self, ledger: Ledger, clock: VirtualClock, faults: Faults, webhooks: Webhooks) -> None:
        self.ledger = ledger
        self.clock = clock
        self.faults = faults
        self.webhooks = webhooks

    # -- what the API asks for --------------------------------------------------------
    def created(self, transfer: Transfer) -> None:
        """A new, unfunded transfer: Wise cancels it if it is not funded in 14 days."""
        self._schedule(transfer, CANCELLED, UNFUNDED_CANCEL_SECONDS)

    def fund(self, transfer: Transfer) -> dict[str, Any]:
        """``POST .../payments {"type": "BALANCE"}``: the funding result, or a :class:`WiseError`."""
        if transfer.status != WAITING:
            raise WiseError.one(
                422,
                "transfer.invalid-state",
                f"Transfer {transfer.id} is in state {transfer.status} and cannot be funded",
                arguments=[transfer.id, transfer.status],
            )
        quote = transfer.quote
        if self.ledger.balance(quote.source_currency) < quote.source_amount:
            rejected = {"type": "BALANCE", "status": "REJECTED", "errorCode": "transfer.insufficient_funds"}
            raise WiseError(422, {**rejected, "errorMessage": None})
        self.ledger.credit(quote.source_currency, -quote.source_amount)
        transfer.funded = True
        transfer.will_bounce = self.faults.take_bounce()
        quote.status = "FUNDED"
        self.clock.cancel(str(transfer.id))
        self._enter(transfer, PROCESSING)
        return {"type": "BALANCE", "status": "COMPLETED", "errorCode": None}

    def cancel(self, transfer: Transfer) -> None:
        """``PUT /v1/transfers/{id}/cancel``: allowed before ``funds_converted`` only."""
        if transfer.status not in CANCELLABLE:
            raise WiseError.one(409, "transfer.cancellation.not.allowed", "Transfer cannot be cancelled")
        self.clock.cancel(str(transfer.id))
        self._enter(transfer, CANCELLED)

    # -- what the control API asks for ------------------------------------------------------
    def advance(self, transfer: Transfer) -> str:
        """Run the transfer's next step now; returns the state it entered."""
        if transfer.status == WAITING:
            raise LifecycleError(f"transfer {transfer.id} is waiting for funding: fund it (or cancel it) first")
        pending = self.clock.pending(str(transfer.id))
        if not pending:
            raise LifecycleError(f"transfer {transfer.id} rests in {transfer.status}: it has no next state")
        self.clock.run_now(pending[0])
        return transfer.status

    # -- moving -------------------------------------------------------------------------------
    def _schedule(self, transfer: Transfer, state: str, delay: float) -> None:
        self.clock.schedule(delay, str(transfer.id), lambda: self._enter(transfer, state))

    def _next(self, transfer: Transfer) -> tuple[str, float] | None:
        state = transfer.status
        if state == PROCESSING:
            return FUNDS_CONVERTED, PROCESSING_SECONDS
        if state == FUNDS_CONVERTED:
            return (BOUNCED_BACK if transfer.will_bounce else OUTGOING_PAYMENT_SENT), CONVERSION_SECONDS
        if state == BOUNCED_BACK:
            return FUNDS_REFUNDED, BOUNCE_REFUND_SECONDS
        if state == CANCELLED and transfer.funded:
            return FUNDS_REFUNDED, CANCEL_REFUND_SECONDS
        return None

    def _enter(self, transfer: Transfer, state: str) -> None:
        previous = transfer.status
        transfer.status = state
        now = self.clock.now()
        transfer.history.append((state, now))
        if state == CANCELLED and transfer.quote.status == "ACCEPTED":
            transfer.quote.status = "EXPIRED"
        if state == FUNDS_REFUNDED:
            self.ledger.credit(transfer.quote.source_currency, transfer.quote.source_amount)
        following = self._next(transfer)
        if following is not None:
            self._schedule(transfer, *following)
        data = {
            "resource": {
                "type": "transfer",
                "id": transfer.id,
                "profile_id": transfer.profile,
                "account_id": transfer.target_account,
            },
            "current_state": state,
            "previous_state": previous,
            "occurred_at": iso_z(self.clock.wallclock(now)),
        }
        self.webhooks.emit(transfer.id, data, hold=self.faults.deliver_out_of_order)
        if following is None and self.webhooks.is_holding(transfer.id):
            self.webhooks.release(transfer.id)
