"""How a payout moves: batch PENDING → PROCESSING → SUCCESS (or DENIED), items
PENDING → their outcome, each change announced by a webhook event.

Timers on the virtual clock, from the batch's creation:

* ``BATCH_PROCESSING_AFTER_SECONDS``: the batch goes PROCESSING
  (``PAYMENT.PAYOUTSBATCH.PROCESSING``);
* ``ITEMS_SETTLE_AFTER_SECONDS``: every pending item takes its outcome
  (``PAYMENT.PAYOUTS-ITEM.<event>``), then the batch completes: SUCCESS
  (``PAYMENT.PAYOUTSBATCH.SUCCESS``), or DENIED when no item went through
  (every item FAILED or BLOCKED: ``PAYMENT.PAYOUTSBATCH.DENIED``), as the
  sandbox does.

Outcomes (the ``item_outcome`` fault; default SUCCESS):

========== ====================== ======================== =====================================
outcome    transaction_status     event                    later
========== ====================== ======================== =====================================
(none)     SUCCESS                SUCCEEDED
FAILED     FAILED                 FAILED
DENIED     FAILED                 DENIED
BLOCKED    BLOCKED                BLOCKED
RETURNED   RETURNED               RETURNED
UNCLAIMED  UNCLAIMED              UNCLAIMED                RETURNED (event RETURNED) after 30 days
REFUNDED   SUCCESS                SUCCEEDED                REFUNDED (event REFUNDED) after 1 day
REVERSED   SUCCESS                SUCCEEDED                REVERSED after 1 day, *no event*
========== ====================== ======================== =====================================

PayPal's ``transaction_status`` enum has no DENIED and its event list has no
``PAYMENT.PAYOUTS-ITEM.REVERSED``: a reversal is seen only by reading the item.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from devtools.paypal_sim.clock import Timeline, VirtualClock
from devtools.paypal_sim.errors import PAYOUTS_ERRORS_LINK
from devtools.paypal_sim.events import EventBook
from devtools.paypal_sim.models import (
    DENIED,
    FAILED_STATUSES,
    PENDING,
    PROCESSING,
    SUCCESS,
    Batch,
    Item,
    Renderer,
    paypal_id,
)

BATCH_PROCESSING_AFTER_SECONDS = 5.0
ITEMS_SETTLE_AFTER_SECONDS = 30.0
UNCLAIMED_RETURN_AFTER_SECONDS = 30 * 86400.0
REVERSAL_AFTER_SECONDS = 86400.0

_UNREGISTERED = (
    "The recipient for this payout does not have an account. A link to sign up for an account was sent to "
    "the recipient. However, if the recipient does not claim this payout within 30 days, the funds will be "
    "returned to your account."
)
#: outcome -> (first status, error name and message or None, (later status, after seconds) or None)
OUTCOMES: dict[str | None, tuple[str, tuple[str, str] | None, tuple[str, float] | None]] = {
    None: (SUCCESS, None, None),
    "FAILED": ("FAILED", ("RECEIVER_ACCOUNT_INVALID", "Receiver's account is invalid."), None),
    "DENIED": (
        "FAILED",
        (
            "RECEIVER_COUNTRY_NOT_ALLOWED",
            "PayPal can't send this payout because the recipient lives in a country where payouts are not allowed.",
        ),
        None,
    ),
    "BLOCKED": ("BLOCKED", ("RISK_DECLINE", "This transaction was declined by PayPal due to risk concerns."), None),
    "RETURNED": (
        "RETURNED",
        (
            "RECEIVER_ACCOUNT_LOCKED",
            "Recipient's account locked or inactive. Cannot send a Payouts now. Money returned to your account.",
        ),
        None,
    ),
    "UNCLAIMED": ("UNCLAIMED", ("RECEIVER_UNREGISTERED", _UNREGISTERED), ("RETURNED", UNCLAIMED_RETURN_AFTER_SECONDS)),
    "REFUNDED": (SUCCESS, None, ("REFUNDED", REVERSAL_AFTER_SECONDS)),
    "REVERSED": (SUCCESS, None, ("REVERSED", REVERSAL_AFTER_SECONDS)),
}  # fmt: skip
#: item status -> suffix of its PAYMENT.PAYOUTS-ITEM.* event (None: PayPal sends none)
ITEM_EVENTS: dict[str, str | None] = {
    SUCCESS: "SUCCEEDED",
    "FAILED": "FAILED",
    "BLOCKED": "BLOCKED",
    "RETURNED": "RETURNED",
    "UNCLAIMED": "UNCLAIMED",
    "REFUNDED": "REFUNDED",
    "REVERSED": None,
}


class Lifecycle:
    def __init__(
        self,
        clock: VirtualClock,
        timeline: Timeline,
        events: EventBook,
        renderer: Renderer,
        base_url: Callable[[], str],
    ) -> None:
        self.clock = clock
        self.timeline = timeline
        self.events = events
        self.renderer = renderer
        self.base_url = base_url

    def plan(self, batch: Batch) -> None:
        """Schedule a new batch's processing."""
        ident = batch.payout_batch_id

        async def pick_up() -> None:
            await self.start_processing(batch)

        async def settle() -> None:
            await self.settle_batch(batch)

        self.timeline.schedule(BATCH_PROCESSING_AFTER_SECONDS, f"batch {ident} PROCESSING", pick_up)
        self.timeline.schedule(ITEMS_SETTLE_AFTER_SECONDS, f"batch {ident} items settle", settle)

    async def start_processing(self, batch: Batch) -> None:
        if batch.status != PENDING:
            return
        batch.status = PROCESSING
        await self.events.emit_batch(PROCESSING, self.renderer.batch_resource(batch, self.base_url()))

    async def settle_batch(self, batch: Batch) -> None:
        await self.start_processing(batch)
        for item in batch.pending_items():
            await self.settle_item(item)
        await self.complete(batch)

    async def settle_item(self, item: Item) -> None:
        if item.status != PENDING:
            return
        status, error, later = OUTCOMES[item.outcome]
        item.time_processed = self.clock.now()
        if status not in FAILED_STATUSES:
            item.transaction_id = paypal_id(17)
        if error is not None:
            item.errors = {
                "name": error[0],
                "message": error[1],
                "information_link": PAYOUTS_ERRORS_LINK,
                "details": [],
                "links": [],
            }
        suffix = "DENIED" if item.outcome == "DENIED" else ITEM_EVENTS[status]
        await self._change(item, status, suffix)
        if later is not None:
            item.follow_up = (later[0], self.clock.now() + later[1])

            async def follow() -> None:
                await self.follow_up(item)

            self.timeline.schedule(later[1], f"item {item.payout_item_id} {later[0]}", follow)

    async def follow_up(self, item: Item) -> bool:
        """The planned later change (RETURNED, REFUNDED, REVERSED); False if none is left."""
        if item.follow_up is None:
            return False
        status, _ = item.follow_up
        item.follow_up = None
        await self._change(item, status, ITEM_EVENTS[status])
        return True

    async def complete(self, batch: Batch) -> None:
        if batch.status != PROCESSING or batch.pending_items():
            return
        went_through = any(item.status not in FAILED_STATUSES for item in batch.items)
        batch.status = SUCCESS if went_through else DENIED
        batch.completed_at = self.clock.now()
        await self.events.emit_batch(batch.status, self.renderer.batch_resource(batch, self.base_url()))

    async def settle_by_hand(self, item: Item, batch: Batch) -> bool:
        """``POST /_control/items/{id}/settle``: the item's next step now. False if it has none."""
        if item.status == PENDING:
            await self.start_processing(batch)
            await self.settle_item(item)
            await self.complete(batch)
            return True
        return await self.follow_up(item)

    async def _change(self, item: Item, status: str, event_suffix: str | None) -> None:
        item.status = status
        item.history.append({"status": status, "at": self.clock.timestamp()})
        if event_suffix is not None:
            resource: dict[str, Any] = self.renderer.item(item, self.base_url())
            await self.events.emit_item(event_suffix, resource)
