"""Every Stripe event type the product contract names is handled, or explicitly not yet."""

import json
import time

from shared.entry.stripe_events import NOT_YET_HANDLED, STRIPE_EVENT_HANDLERS
from shared.payments.adapters.stripe_gateway import StripeWebhookVerifier
from shared.payments.services.stripe_webhook import handle_stripe_webhook
from tests.fakes import FakeClock, InMemoryStore, stripe_signature

# SPEC §3.2 (stripeWebhook) and §3.1 (the booking's payment_intent.* events), as written there.
CONTRACT_EVENT_TYPES = {
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "customer.subscription.paused",
    "customer.subscription.resumed",
    "customer.subscription.trial_will_end",
    "invoice.paid",
    "invoice.payment_failed",
    "invoice.payment_action_required",
    "payment_intent.amount_capturable_updated",
    "payment_intent.payment_failed",
    "payment_intent.canceled",
    "payment_intent.succeeded",
    "charge.refunded",
    "charge.dispute.created",
    "account.updated",
}


def test_each_contract_event_type_is_handled_or_listed_as_not_yet_handled() -> None:
    unaccounted = CONTRACT_EVENT_TYPES - set(STRIPE_EVENT_HANDLERS) - NOT_YET_HANDLED
    assert not unaccounted, f"neither handled nor on the not-yet-handled list: {sorted(unaccounted)}"


def test_the_not_yet_handled_list_holds_no_type_that_has_a_handler() -> None:
    assert not NOT_YET_HANDLED & set(STRIPE_EVENT_HANDLERS)


def test_an_event_without_a_handler_is_kept_in_unhandled_events() -> None:
    store, clock = InMemoryStore(), FakeClock()
    event = {
        "id": "evt_refund",
        "type": "charge.dispute.funds_withdrawn",
        "api_version": "2026-10-28.endive",
        "created": 1,
        "data": {"object": {"id": "ch_1"}},
    }
    payload = json.dumps(event).encode()
    for _ in range(2):  # a redelivery keeps one record
        response = handle_stripe_webhook(
            payload,
            stripe_signature(payload, "whsec_x", int(time.time())),
            verifier=StripeWebhookVerifier("whsec_x"),
            store=store,
            clock=clock,
            handlers=STRIPE_EVENT_HANDLERS,
        )
        assert response.status == 200 and response.body["handled"] is False
    assert len(store.collection("unhandled_events")) == 1
    kept = store.get("unhandled_events/evt_refund")
    assert kept is not None and (kept["type"], kept["objectId"]) == ("charge.dispute.funds_withdrawn", "ch_1")
    assert json.loads(kept["event"]) == event
