"""The west3 Firestore triggers on payments and call sessions, bound to their ports."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shared.entry import wiring
from shared.entry.firestore_triggers import change_of

if TYPE_CHECKING:
    from firebase_functions.firestore_fn import Event


def payment_authorized(event: Event[Any]) -> None:
    from shared.payments.services.triggers import on_payment_authorized

    before, after = change_of(event)
    on_payment_authorized(event.params["paymentId"], before, after, store=wiring.store(), now=wiring.clock().now())


def session_payment_captured(event: Event[Any]) -> None:
    from shared.payments.services.triggers import on_session_payment_captured

    before, after = change_of(event)
    on_session_payment_captured(
        event.params["sessionId"], before, after, store=wiring.store(), now=wiring.clock().now()
    )


def payment_reached(event: Event[Any], state: str) -> None:
    """A payment update whose new state is `state` ("captured", "failed"); other updates are ignored."""
    from shared.payments.services.triggers import on_payment_state

    before, after = change_of(event)
    if after is not None and after.get("state") == state:
        on_payment_state(event.params["paymentId"], before, after, store=wiring.store(), now=wiring.clock().now())
