"""stripeWebhook: verify, then apply each event at most once through a ledger.

The effect of an event and its `processed_events/{eventId}` ledger entry are written in one
transaction, so a redelivery (or two racing deliveries) finds the entry and changes nothing.
A handler failure answers 5xx so Stripe retries; after the configured number of failures the
event is copied to `dead_letter_events` with its error (and marked resolved if a later
delivery succeeds).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.domain.settings import PaymentSettings
from shared.ports.clock import Clock
from shared.ports.payments import InvalidSignature, WebhookVerifier
from shared.ports.store import DocumentStore, Transaction

log = logging.getLogger(__name__)

StripeEvent = dict[str, Any]
EventHandler = Callable[[Transaction, StripeEvent, datetime], None]
"""Runs inside the ledger transaction: all its reads first, then its writes."""


class RetryLater(Exception):
    """The event cannot be applied yet (e.g. it outran our own write); Stripe should retry."""


@dataclass(frozen=True)
class WebhookResponse:
    status: int
    body: dict[str, Any]

    def as_json(self) -> str:
        return json.dumps(self.body)


def handle_stripe_webhook(
    payload: bytes,
    signature_header: str | None,
    *,
    verifier: WebhookVerifier,
    store: DocumentStore,
    clock: Clock,
    handlers: Mapping[str, EventHandler],
    refresh: Callable[[StripeEvent], StripeEvent] | None = None,
) -> WebhookResponse:
    """`refresh` (outside the transaction: it may call Stripe) may replace the event's object by
    the object as Stripe has it now."""
    try:
        event = verifier.verify(payload, signature_header)
    except InvalidSignature as exc:
        log.warning("stripe webhook rejected: %s", exc)
        return WebhookResponse(400, {"error": "invalid signature"})
    event_id, event_type = event.get("id"), event.get("type")
    if not isinstance(event_id, str) or not isinstance(event_type, str):
        return WebhookResponse(400, {"error": "malformed event"})

    handler = handlers.get(event_type)
    if handler is None:
        log.info("stripe event %s of unhandled type %s recorded", event_id, event_type)
        try:
            _record_unhandled(store, clock, event)
        except Exception:
            log.exception("could not record unhandled stripe event %s", event_id)
            return WebhookResponse(500, {"error": "could not record the event; retry"})
        return WebhookResponse(200, {"received": True, "handled": False})

    try:
        if refresh is not None:
            event = refresh(event)
        applied = store.run_transaction(lambda tx: _apply_once(tx, event, handler, clock.now()))
    except Exception as exc:
        _record_failure(store, clock, event, exc)
        log.exception("stripe event %s (%s) failed", event_id, event_type)
        return WebhookResponse(500, {"error": "event processing failed; retry"})
    return WebhookResponse(200, {"received": True, "handled": True, "duplicate": not applied})


def _apply_once(tx: Transaction, event: StripeEvent, handler: EventHandler, now: datetime) -> bool:
    ledger_path = f"processed_events/{event['id']}"
    if tx.get(ledger_path) is not None:
        return False
    dead_letter_path = f"dead_letter_events/{event['id']}"
    dead_letter = tx.get(dead_letter_path)
    handler(tx, event, now)
    tx.create(
        ledger_path,
        {"source": "stripe", "type": event["type"], "eventCreated": event.get("created"), "processedAt": now},
    )
    if dead_letter is not None:
        tx.update(dead_letter_path, {"resolvedAt": now})
    return True


def _record_unhandled(store: DocumentStore, clock: Clock, event: StripeEvent) -> None:
    """Kept so an event type whose handler comes later is never lost (a redelivery rewrites it)."""
    store.set(
        f"unhandled_events/{event['id']}",
        {
            "source": "stripe",
            "eventId": event["id"],
            "type": event["type"],
            "eventCreated": event.get("created"),
            "objectId": (event.get("data") or {}).get("object", {}).get("id"),
            "event": json.dumps(event),
            "receivedAt": clock.now(),
        },
    )


def _record_failure(store: DocumentStore, clock: Clock, event: StripeEvent, error: Exception) -> None:
    settings = PaymentSettings.from_document(store.get("settings/payments"))
    now = clock.now()
    message = f"{type(error).__name__}: {error}"[:500]

    def bump(tx: Transaction) -> None:
        failures_path = f"webhook_failures/{event['id']}"
        dead_letter_path = f"dead_letter_events/{event['id']}"
        failures = tx.get(failures_path) or {}
        dead_letter = tx.get(dead_letter_path)
        attempts = int(failures.get("attempts", 0)) + 1
        tx.set(
            failures_path,
            {"source": "stripe", "type": event["type"], "attempts": attempts, "lastError": message, "updatedAt": now},
        )
        if attempts >= settings.webhook_max_attempts and dead_letter is None:
            tx.create(
                dead_letter_path,
                {
                    "source": "stripe",
                    "eventId": event["id"],
                    "type": event["type"],
                    "event": json.dumps(event),
                    "error": message,
                    "attempts": attempts,
                    "createdAt": now,
                },
            )

    try:
        store.run_transaction(bump)
    except Exception:
        log.exception("could not record the failure of stripe event %s", event["id"])
