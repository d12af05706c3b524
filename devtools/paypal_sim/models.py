"""Payout batches and items, and how PayPal renders them (``GET /v1/payments/payouts/{id}``,
``GET /v1/payments/payouts-item/{id}``)."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from devtools.paypal_sim.clock import VirtualClock
from devtools.paypal_sim.validation import CURRENCY_DECIMALS, ItemRequest

PENDING, PROCESSING, SUCCESS, DENIED = "PENDING", "PROCESSING", "SUCCESS", "DENIED"
#: item statuses after which nothing more happens unless a follow-up is planned
FAILED_STATUSES = ("FAILED", "BLOCKED")
#: PayPal's fee for a payout item here: 2 % of the amount, at most 20 units of its currency
FEE_RATE = Decimal("0.02")
FEE_CAP = Decimal("20")
_ALPHABET = string.ascii_uppercase + string.digits


def paypal_id(length: int = 13) -> str:
    """A PayPal-style identifier such as ``Q6K2CE4GQ36MQ``."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def money(value: Decimal, currency: str) -> dict[str, str]:
    places = CURRENCY_DECIMALS.get(currency, 2)
    quantum = Decimal(1).scaleb(-places)
    return {"currency": currency, "value": str(value.quantize(quantum, rounding=ROUND_HALF_UP))}


def link(href: str, rel: str, method: str = "GET") -> dict[str, str]:
    return {"href": href, "rel": rel, "method": method, "encType": "application/json"}


@dataclass
class Item:
    payout_item_id: str
    payout_batch_id: str
    sender_batch_id: str | None
    request: ItemRequest
    #: the fault outcome planned for this item (None: it succeeds)
    outcome: str | None
    status: str = PENDING
    activity_id: str = field(default_factory=lambda: paypal_id(17))
    transaction_id: str | None = None
    time_processed: float | None = None
    errors: dict[str, Any] | None = None
    #: (status, virtual seconds) planned after the first outcome: RETURNED, REFUNDED, REVERSED
    follow_up: tuple[str, float] | None = None
    history: list[dict[str, str]] = field(default_factory=list)

    @property
    def amount(self) -> Decimal:
        return Decimal(self.request.value.replace(",", ""))

    @property
    def fee(self) -> Decimal:
        return min(self.amount * FEE_RATE, FEE_CAP)


@dataclass
class Batch:
    payout_batch_id: str
    sender_batch_header: dict[str, Any]
    created_at: float
    items: list[Item]
    request_id: str | None = None
    status: str = PENDING
    completed_at: float | None = None

    @property
    def sender_batch_id(self) -> str | None:
        value = self.sender_batch_header.get("sender_batch_id")
        return value if isinstance(value, str) else None

    def pending_items(self) -> list[Item]:
        return [item for item in self.items if item.status == PENDING]


class Renderer:
    """PayPal's JSON for batches and items; links point at ``base`` (the simulator)."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock

    def item(self, item: Item, base: str) -> dict[str, Any]:
        req = item.request
        payout_item: dict[str, Any] = {
            "recipient_type": req.recipient_type,
            "amount": money(item.amount, req.currency),
            "receiver": req.receiver,
        }
        for key in ("note", "sender_item_id", "recipient_wallet"):
            if getattr(req, key) is not None:
                payout_item[key] = getattr(req, key)
        payout_item.update(req.extra)
        body: dict[str, Any] = {
            "payout_item_id": item.payout_item_id,
            "activity_id": item.activity_id,
            "transaction_status": item.status,
            "payout_batch_id": item.payout_batch_id,
        }
        if item.transaction_id:
            body["transaction_id"] = item.transaction_id
        if item.status != PENDING:
            body["payout_item_fee"] = money(item.fee, req.currency)
        if item.sender_batch_id is not None:
            body["sender_batch_id"] = item.sender_batch_id
        body["payout_item"] = payout_item
        if item.time_processed is not None:
            body["time_processed"] = self.clock.timestamp(item.time_processed)
        if item.errors:
            body["errors"] = item.errors
        body["links"] = [
            link(f"{base}/v1/payments/payouts-item/{item.payout_item_id}", "self"),
            link(f"{base}/v1/payments/payouts/{item.payout_batch_id}", "batch"),
        ]
        return body

    def batch_header(self, batch: Batch) -> dict[str, Any]:
        header: dict[str, Any] = {
            "payout_batch_id": batch.payout_batch_id,
            "batch_status": batch.status,
            "time_created": self.clock.timestamp(batch.created_at),
        }
        if batch.completed_at is not None:
            header["time_completed"] = self.clock.timestamp(batch.completed_at)
            header["time_closed"] = self.clock.timestamp(batch.completed_at)
        header["sender_batch_header"] = batch.sender_batch_header
        header["funding_source"] = "BALANCE"
        currencies = {item.request.currency for item in batch.items}
        if len(currencies) == 1:
            currency = currencies.pop()
            header["amount"] = money(sum((i.amount for i in batch.items), Decimal(0)), currency)
            if batch.completed_at is not None:
                processed = [i for i in batch.items if i.status != PENDING]
                header["fees"] = money(sum((i.fee for i in processed), Decimal(0)), currency)
        return header

    def created(self, batch: Batch, base: str) -> dict[str, Any]:
        """The 201 answer to ``POST /v1/payments/payouts``."""
        return {
            "batch_header": {
                "payout_batch_id": batch.payout_batch_id,
                "batch_status": batch.status,
                "sender_batch_header": batch.sender_batch_header,
            },
            "links": [link(f"{base}/v1/payments/payouts/{batch.payout_batch_id}", "self")],
        }

    def batch(self, batch: Batch, base: str, page: int = 1, page_size: int = 1000) -> dict[str, Any]:
        start = (page - 1) * page_size
        shown = batch.items[start : start + page_size]
        total_pages = max(1, -(-len(batch.items) // page_size))
        return {
            "batch_header": self.batch_header(batch),
            "items": [self.item(item, base) for item in shown],
            "total_items": len(batch.items),
            "total_pages": total_pages,
            "links": [
                link(f"{base}/v1/payments/payouts/{batch.payout_batch_id}?page={page}&page_size={page_size}", "self")
            ],
        }

    def batch_resource(self, batch: Batch, base: str) -> dict[str, Any]:
        """The resource of a ``PAYMENT.PAYOUTSBATCH.*`` event: the header only, no items."""
        return {
            "batch_header": self.batch_header(batch),
            "links": [link(f"{base}/v1/payments/payouts/{batch.payout_batch_id}", "self")],
        }
