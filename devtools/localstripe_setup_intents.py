"""The pending SetupIntent of a trialing subscription, as Stripe Billing has it.

A subscription created with `payment_behavior=default_incomplete` and a trial has nothing to pay
yet: Stripe gives it a `pending_setup_intent` that the client confirms with Stripe.js to save
the card that the first invoice (at the trial's end) will be charged to. Once it succeeds,
Stripe clears `pending_setup_intent`, attaches the payment method to the customer and, with
`payment_settings[save_default_payment_method]=on_subscription`, makes it the subscription's
`default_payment_method` (a `customer.subscription.updated` event tells so).
"""

from __future__ import annotations

from typing import Any

from localstripe.resources import PaymentMethod, SetupIntent, store

from devtools.localstripe_billing import emit, emit_updated, set_route

_original_confirm = SetupIntent._api_confirm


def open_for(sub: Any) -> None:
    """Give a trialing subscription without a payment method its pending SetupIntent."""
    intent = SetupIntent(customer=sub.customer, usage="off_session")
    intent.metadata = {"subscription": sub.id}
    sub.pending_setup_intent = intent.id


def _subscription_waiting_for(intent_id: str) -> Any:
    return next(
        (
            v
            for k, v in store.items()
            if k.startswith("subscription:") and getattr(v, "pending_setup_intent", None) == intent_id
        ),
        None,
    )


def _confirm(id: str, **data: Any) -> Any:
    intent = _original_confirm(id, **data)
    sub = _subscription_waiting_for(id)
    if intent.status != "succeeded" or sub is None:
        return intent
    method = PaymentMethod._api_retrieve(intent.payment_method)
    if method.customer is None:
        method.customer = sub.customer
        emit("payment_method.attached", method)
    emit("setup_intent.succeeded", intent)
    before = sub._export()
    sub.pending_setup_intent = None
    if sub.payment_settings.get("save_default_payment_method") == "on_subscription":
        sub.default_payment_method = method.id
    emit_updated(sub, before)
    return intent


def register() -> None:
    set_route("POST", "/v1/setup_intents/{id}/confirm", _confirm)
