"""stripeWebhook: verify, then apply each event at most once through a ledger.

Only events rendered at the installed SDK's API version are applied (the webhook endpoint is
pinned to it, see README "Deploying"); another version is logged as an error and answered 5xx.

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

from shared.kernel.clock import Clock
from shared.kernel.ledger import apply_once
from shared.kernel.store import DocumentStore, Transaction
from shared.payments.domain.settings import PaymentSettings
from shared.payments.ports.payments import InvalidSignature, WebhookVerifier

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
    api_version: str | None = None,
) -> WebhookResponse:
    """`refresh` (outside the transaction: it may call Stripe) may replace the event's object by
    the object as Stripe has it now. `api_version` (default: the installed SDK's) is the only
    version whose payloads the handlers read; an event rendered at another one is refused."""
    try:
        event = verifier.verify(payload, signature_header)
    except InvalidSignature as exc:
        log.warning("stripe webhook rejected: %s", exc)
        return WebhookResponse(400, {"error": "invalid signature"})
    event_id, event_type = event.get("id"), event.get("type")
    if not isinstance(event_id, str) or not isinstance(event_type, str):
        return WebhookResponse(400, {"error": "malformed event"})
    expected = api_version or sdk_api_version()
    if event.get("api_version") != expected:
        return _refuse_version(store, clock, event, expected)

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


class ApiVersionMismatch(Exception):
    """The event's payload follows another API version than the one the handlers read."""


def sdk_api_version() -> str:
    """The API version the installed stripe package sends, which the endpoint is pinned to."""
    from stripe._api_version import _ApiVersion

    return _ApiVersion.CURRENT


def _refuse_version(store: DocumentStore, clock: Clock, event: StripeEvent, expected: str) -> WebhookResponse:
    """Stripe renders an event at the endpoint's API version: another version means the endpoint
    is not pinned to the SDK's, and its fields may not be where the handlers read them. Refused
    (5xx, so Stripe retries once the endpoint is fixed) and dead-lettered like a failure."""
    got = event.get("api_version")
    error = ApiVersionMismatch(f"event api_version {got!r} differs from the SDK's {expected!r}")
    log.error(
        "stripe event %s (%s) refused: %s; pin the webhook endpoint's api_version to %s",
        event["id"],
        event["type"],
        error,
        expected,
        extra={
            "json_fields": {
                "alert": "stripe_webhook_api_version_mismatch",
                "eventId": event["id"],
                "eventType": event["type"],
                "eventApiVersion": got,
                "expectedApiVersion": expected,
            }
        },
    )
    _record_failure(store, clock, event, error)
    return WebhookResponse(500, {"error": "event api_version differs from the SDK's; retry", "expected": expected})


def _apply_once(tx: Transaction, event: StripeEvent, handler: EventHandler, now: datetime) -> bool:
    def effect() -> None:
        dead_letter_path = f"dead_letter_events/{event['id']}"
        dead_letter = tx.get(dead_letter_path)
        handler(tx, event, now)
        if dead_letter is not None:
            tx.update(dead_letter_path, {"resolvedAt": now})

    entry = {"source": "stripe", "type": event["type"], "eventCreated": event.get("created"), "processedAt": now}
    applied, _ = apply_once(tx, event["id"], effect, entry=entry)
    return applied


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
