"""europe-west3 commissions, where the money events are: the payments area's domain events
earn or give back commissions, and the hold period's end releases them into the wallets."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from firebase_functions import options, scheduler_fn

from shared.entry import firestore_triggers, wiring
from west3_runtime import SMALL_CPU, SMALL_MEMORY, logger

if TYPE_CHECKING:
    from firebase_functions import firestore_fn


@firestore_triggers.on_document_created(
    document="domain_events/{eventId}", memory=SMALL_MEMORY, cpu=SMALL_CPU, max_instances=1, timeout_sec=60
)
def onDomainEvent(event: firestore_fn.Event[Any]) -> None:
    """The payments area's events: affiliates' commissions, then the earnings kept for providers
    paid by PayPal (each applied once through its own ledger entry, so a redelivery of the event
    applies only what is missing)."""
    from shared.affiliates.services.commissions import apply_domain_event
    from shared.payouts.services.provider_earnings import apply_earnings_event

    snapshot = event.data
    data = snapshot.to_dict() if snapshot is not None else None
    apply_domain_event(event.params["eventId"], data, store=wiring.store(), clock=wiring.clock())
    apply_earnings_event(event.params["eventId"], data, store=wiring.store(), clock=wiring.clock())


@scheduler_fn.on_schedule(
    schedule="every 1 hours",
    timezone=options.Timezone("UTC"),
    memory=SMALL_MEMORY,
    cpu=SMALL_CPU,
    max_instances=1,
    timeout_sec=300,
)
def validatePendingCommissions(event: scheduler_fn.ScheduledEvent) -> None:
    from shared.affiliates.services.release import validate_pending_commissions

    released = validate_pending_commissions(event.schedule_time, store=wiring.store(), clock=wiring.clock())
    logger.info("released %s commissions", len(released))
