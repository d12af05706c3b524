"""The stripeWebhook dispatch table: event type -> handler. Later flows add their entries here."""

from __future__ import annotations

from shared.services.payment_events import PAYMENT_INTENT_HANDLERS
from shared.services.stripe_webhook import EventHandler
from shared.services.subscription_events import SUBSCRIPTION_HANDLERS

STRIPE_EVENT_HANDLERS: dict[str, EventHandler] = {
    **PAYMENT_INTENT_HANDLERS,
    **SUBSCRIPTION_HANDLERS,
}
