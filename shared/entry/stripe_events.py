"""The stripeWebhook dispatch table: event type -> handler. Later flows add their entries here.

`NOT_YET_HANDLED` names the event types the product contract (SPEC §3.2) lists whose handlers
come with later work; until then they, like any type without a handler, are recorded in
`unhandled_events` so none is lost.
"""

from __future__ import annotations

from collections.abc import Callable

from shared.accounts.services.stripe_accounts import ACCOUNT_HANDLERS
from shared.calls.services.charge_events import CHARGE_HANDLERS
from shared.payments.services.events import PAYMENT_INTENT_HANDLERS
from shared.payments.services.stripe_webhook import EventHandler, StripeEvent
from shared.subscriptions.services.events import SUBSCRIPTION_HANDLERS

STRIPE_EVENT_HANDLERS: dict[str, EventHandler] = {
    **PAYMENT_INTENT_HANDLERS,
    **SUBSCRIPTION_HANDLERS,
    **ACCOUNT_HANDLERS,
    **CHARGE_HANDLERS,
}

NOT_YET_HANDLED: frozenset[str] = frozenset()
"""Contract event types whose handlers are still to come (none now)."""

Refresher = Callable[[StripeEvent], StripeEvent]


def chain_refreshers(*refreshers: Refresher) -> Refresher:
    """One refresh step made of several; each one leaves the event types it does not know alone."""

    def refresh(event: StripeEvent) -> StripeEvent:
        for step in refreshers:
            event = step(event)
        return event

    return refresh
