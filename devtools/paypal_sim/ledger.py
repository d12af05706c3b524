"""Everything paid: batches and items, the ``sender_batch_id`` guard and the
``PayPal-Request-Id`` answers.

PayPal refuses a ``sender_batch_id`` used in the last 30 days and keeps
``PayPal-Request-Id`` keys for 30 days; both windows run on the virtual clock.
"""

from __future__ import annotations

from typing import Any

from devtools.paypal_sim.clock import VirtualClock
from devtools.paypal_sim.models import Batch, Item, paypal_id
from devtools.paypal_sim.validation import PayoutRequest

DUPLICATE_WINDOW_SECONDS = 30 * 86400.0
REQUEST_ID_KEPT_SECONDS = 30 * 86400.0


class Ledger:
    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self.batches: dict[str, Batch] = {}
        self.items: dict[str, Item] = {}
        self._sender_batch_ids: dict[str, Batch] = {}
        self._responses: dict[str, tuple[float, int, dict[str, Any]]] = {}

    def batch_using(self, sender_batch_id: str | None) -> Batch | None:
        """The batch that used ``sender_batch_id`` in the last 30 days, if any."""
        if sender_batch_id is None:
            return None
        batch = self._sender_batch_ids.get(sender_batch_id)
        if batch is None or self.clock.now() - batch.created_at >= DUPLICATE_WINDOW_SECONDS:
            return None
        return batch

    def create(self, request: PayoutRequest, outcome: str | None, request_id: str | None) -> Batch:
        batch_id = paypal_id()
        sender_batch_id = request.sender_batch_id
        items = [
            Item(
                payout_item_id=paypal_id(),
                payout_batch_id=batch_id,
                sender_batch_id=sender_batch_id,
                request=item,
                outcome=outcome,
            )
            for item in request.items
        ]
        batch = Batch(
            payout_batch_id=batch_id,
            sender_batch_header=request.sender_batch_header,
            created_at=self.clock.now(),
            items=items,
            request_id=request_id,
        )
        self.batches[batch_id] = batch
        for item in items:
            self.items[item.payout_item_id] = item
        if sender_batch_id is not None:
            self._sender_batch_ids[sender_batch_id] = batch
        return batch

    def remember_response(self, request_id: str, status: int, body: dict[str, Any]) -> None:
        self._responses[request_id] = (self.clock.now(), status, body)

    def response_for(self, request_id: str) -> tuple[int, dict[str, Any]] | None:
        kept = self._responses.get(request_id)
        if kept is None or self.clock.now() - kept[0] >= REQUEST_ID_KEPT_SECONDS:
            return None
        return kept[1], kept[2]

    def reset(self) -> None:
        self.batches.clear()
        self.items.clear()
        self._sender_batch_ids.clear()
        self._responses.clear()
