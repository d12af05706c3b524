"""Webhook events in PayPal's shape, kept for ``GET /v1/notifications/webhooks-events/{id}``
and for replays.

``{"id": "WH-…", "event_version": "1.0", "create_time", "resource_type",
"event_type", "summary", "resource", "links"}``: item events carry the payout
item (``resource_type`` ``payouts_item``), batch events the batch header only
(``payouts``), as PayPal sends them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from devtools.paypal_sim.clock import VirtualClock
from devtools.paypal_sim.models import link, paypal_id
from devtools.paypal_sim.webhooks import WebhookSender

ITEM_SUMMARIES = {
    "SUCCEEDED": "A payout item has succeeded",
    "FAILED": "A payout item has failed",
    "DENIED": "A payout item was denied",
    "BLOCKED": "A payout item was blocked",
    "RETURNED": "A payout item was returned",
    "REFUNDED": "A payout item was refunded",
    "UNCLAIMED": "A payout item is unclaimed",
}
BATCH_SUMMARIES = {
    "PROCESSING": "Payouts batch is being processed.",
    "SUCCESS": "Payouts batch completed successfully.",
    "DENIED": "Payouts batch was denied.",
}


class EventBook:
    """Every event emitted, in order, and their delivery."""

    def __init__(self, clock: VirtualClock, sender: WebhookSender, base_url: Callable[[], str]) -> None:
        self.clock = clock
        self.sender = sender
        self.base_url = base_url
        self.events: dict[str, dict[str, Any]] = {}

    def _make(self, event_type: str, resource_type: str, summary: str, resource: dict[str, Any]) -> dict[str, Any]:
        event_id = f"WH-{paypal_id(17)}-{paypal_id(17)}"
        href = f"{self.base_url()}/v1/notifications/webhooks-events/{event_id}"
        return {
            "id": event_id,
            "event_version": "1.0",
            "create_time": self.clock.timestamp(),
            "resource_type": resource_type,
            "event_type": event_type,
            "summary": summary,
            "resource": resource,
            "links": [link(href, "self"), link(f"{href}/resend", "resend", "POST")],
        }

    async def emit_item(self, suffix: str, resource: dict[str, Any]) -> dict[str, Any]:
        return await self._emit(
            self._make(f"PAYMENT.PAYOUTS-ITEM.{suffix}", "payouts_item", ITEM_SUMMARIES[suffix], resource)
        )

    async def emit_batch(self, status: str, resource: dict[str, Any]) -> dict[str, Any]:
        return await self._emit(
            self._make(f"PAYMENT.PAYOUTSBATCH.{status}", "payouts", BATCH_SUMMARIES[status], resource)
        )

    async def _emit(self, event: dict[str, Any]) -> dict[str, Any]:
        self.events[event["id"]] = event
        await self.sender.deliver(event)
        return event

    async def replay(self, event_id: str) -> dict[str, Any] | None:
        """Deliver a stored event again (the same event, a new transmission)."""
        return await self.sender.deliver(self.events[event_id], replay=True)

    def reset(self) -> None:
        self.events.clear()
