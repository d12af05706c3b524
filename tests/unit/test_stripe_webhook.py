import json
import logging
import threading
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.entry.stripe_events import STRIPE_EVENT_HANDLERS
from shared.payments.adapters.stripe_gateway import StripeWebhookVerifier
from shared.payments.services.events import PAYMENT_INTENT_HANDLERS
from shared.payments.services.stripe_webhook import (
    EventHandler,
    WebhookResponse,
    handle_stripe_webhook,
    sdk_api_version,
)
from tests.fakes import FakeClock, InMemoryStore, payment_intent_event, stripe_signature

SECRET = "whsec_unit"


class Webhook:
    def __init__(self) -> None:
        self.store = InMemoryStore()
        self.clock = FakeClock()
        self.handlers: dict[str, EventHandler] = dict(STRIPE_EVENT_HANDLERS)
        self.store.set(
            "payments/pi_1",
            {
                "paymentIntentId": "pi_1",
                "callSessionId": "s1",
                "state": "pending",
                "status": "requires_payment_method",
                "amount": 4900,
                "currency": "eur",
            },
        )

    def deliver(self, event: dict[str, Any], *, secret: str = SECRET, at: int | None = None) -> WebhookResponse:
        payload = json.dumps(event).encode()
        stamp = at if at is not None else int(time.time())
        return self.post(payload, stripe_signature(payload, secret, stamp))

    def post(self, payload: bytes, signature: str | None) -> WebhookResponse:
        return handle_stripe_webhook(
            payload,
            signature,
            verifier=StripeWebhookVerifier(SECRET),
            store=self.store,
            clock=self.clock,
            handlers=self.handlers,
        )

    def payment(self) -> dict[str, Any]:
        doc = self.store.get("payments/pi_1")
        assert doc is not None
        return doc


def intent(status: str = "requires_capture", **extra: Any) -> dict[str, Any]:
    return {
        "id": "pi_1",
        "object": "payment_intent",
        "status": status,
        "amount": 4900,
        "amount_capturable": 4900 if status == "requires_capture" else 0,
        "amount_received": 4900 if status == "succeeded" else 0,
        "metadata": {"callSessionId": "s1"},
        **extra,
    }


AUTHORIZED = "payment_intent.amount_capturable_updated"


@pytest.fixture
def hook() -> Webhook:
    return Webhook()


def test_authorization_moves_the_payment_to_authorized_with_capture_before(hook: Webhook) -> None:
    charge = {"id": "ch_1", "payment_method_details": {"card": {"capture_before": 1_800_600_000}}}
    response = hook.deliver(payment_intent_event("evt_1", AUTHORIZED, intent(latest_charge=charge)))
    assert response.status == 200 and response.body["duplicate"] is False
    payment = hook.payment()
    assert payment["state"] == "authorized"
    assert payment["status"] == "requires_capture"
    assert payment["amountCapturable"] == 4900
    assert payment["captureBefore"] == datetime.fromtimestamp(1_800_600_000, UTC)
    assert hook.store.get("processed_events/evt_1") is not None
    [audit] = hook.store.collection("payment_audit_logs").values()
    assert (audit["fromState"], audit["toState"], audit["eventId"]) == ("pending", "authorized", "evt_1")


@pytest.mark.parametrize(
    ("event_type", "status", "state"),
    [
        ("payment_intent.payment_failed", "requires_payment_method", "failed"),
        ("payment_intent.canceled", "canceled", "released"),
        ("payment_intent.succeeded", "succeeded", "captured"),
    ],
)
def test_each_payment_intent_event(hook: Webhook, event_type: str, status: str, state: str) -> None:
    extra = {"last_payment_error": {"code": "card_declined", "message": "declined"}} if state == "failed" else {}
    assert hook.deliver(payment_intent_event("evt_x", event_type, intent(status, **extra))).status == 200
    assert hook.payment()["state"] == state
    if state == "failed":
        assert hook.payment()["failureCode"] == "card_declined"


def test_redelivery_changes_nothing(hook: Webhook) -> None:
    event = payment_intent_event("evt_1", AUTHORIZED, intent())
    hook.deliver(event)
    before = dict(hook.store.docs)
    hook.clock.advance(30)
    response = hook.deliver(event)
    assert response.status == 200 and response.body["duplicate"] is True
    assert hook.store.docs == before


def test_two_racing_deliveries_apply_one_effect(hook: Webhook) -> None:
    event = payment_intent_event("evt_1", AUTHORIZED, intent())
    barrier = threading.Barrier(8)
    responses: list[WebhookResponse] = []

    def deliver() -> None:
        barrier.wait()
        responses.append(hook.deliver(event))

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status for r in responses] == [200] * 8
    assert sorted(r.body["duplicate"] for r in responses) == [False] + [True] * 7
    assert len(hook.store.collection("payment_audit_logs")) == 1


def test_a_payment_never_moves_backwards(hook: Webhook) -> None:
    hook.deliver(payment_intent_event("evt_cap", "payment_intent.succeeded", intent("succeeded")))
    late = hook.deliver(payment_intent_event("evt_auth", AUTHORIZED, intent()))
    assert late.status == 200
    assert hook.payment()["state"] == "captured"
    assert hook.store.get("processed_events/evt_auth") is not None
    hook.deliver(payment_intent_event("evt_fail", "payment_intent.payment_failed", intent("requires_payment_method")))
    assert hook.payment()["state"] == "captured"
    assert len(hook.store.collection("payment_audit_logs")) == 1


def test_failed_then_authorized_with_another_card(hook: Webhook) -> None:
    hook.deliver(payment_intent_event("evt_f", "payment_intent.payment_failed", intent("requires_payment_method")))
    hook.deliver(payment_intent_event("evt_a", AUTHORIZED, intent()))
    assert hook.payment()["state"] == "authorized"


@pytest.mark.parametrize(
    "signature",
    [None, "", "t=1,v1=deadbeef", "garbage"],
)
def test_missing_or_invalid_signature_is_400_and_writes_nothing(hook: Webhook, signature: str | None) -> None:
    before = dict(hook.store.docs)
    payload = json.dumps(payment_intent_event("evt_1", AUTHORIZED, intent())).encode()
    assert hook.post(payload, signature).status == 400
    assert hook.store.docs == before


def test_wrong_secret_stale_or_tampered_is_400(hook: Webhook) -> None:
    before = dict(hook.store.docs)
    event = payment_intent_event("evt_1", AUTHORIZED, intent())
    assert hook.deliver(event, secret="whsec_other").status == 400
    assert hook.deliver(event, at=int(time.time()) - 301).status == 400
    payload = json.dumps(event).encode()
    header = stripe_signature(payload, SECRET, int(time.time()))
    assert hook.post(payload.replace(b"4900", b"4901"), header).status == 400
    assert hook.store.docs == before
    assert hook.deliver(event, at=int(time.time()) - 299).status == 200


def test_unknown_event_types_are_acknowledged_and_recorded_as_unhandled(hook: Webhook) -> None:
    before = dict(hook.store.docs)
    event = {"id": "evt_u", "type": "balance.available", "api_version": sdk_api_version(), "data": {"object": {}}}
    response = hook.deliver(event)
    assert response.status == 200 and response.body["handled"] is False
    recorded = hook.store.get("unhandled_events/evt_u")
    assert recorded is not None and recorded["type"] == "balance.available"
    assert recorded["receivedAt"] == hook.clock.now()
    assert {k: v for k, v in hook.store.docs.items() if not k.startswith("unhandled_events/")} == before


def test_events_for_payment_intents_we_did_not_create_are_acknowledged(hook: Webhook) -> None:
    foreign = intent(id="pi_foreign", metadata={})
    assert hook.deliver(payment_intent_event("evt_f", AUTHORIZED, foreign)).status == 200
    assert hook.store.get("payments/pi_foreign") is None


def test_event_ahead_of_our_write_fails_then_dead_letters_then_resolves(hook: Webhook) -> None:
    hook.store.set("settings/payments", {"webhookMaxAttempts": 3})
    early = payment_intent_event("evt_early", AUTHORIZED, intent(id="pi_2", metadata={"callSessionId": "s2"}))
    for attempt in (1, 2):
        assert hook.deliver(early).status == 500
        assert hook.store.get("webhook_failures/evt_early")["attempts"] == attempt  # type: ignore[index]
        assert hook.store.get("dead_letter_events/evt_early") is None
    assert hook.deliver(early).status == 500
    dead = hook.store.get("dead_letter_events/evt_early")
    assert dead is not None and dead["attempts"] == 3 and "not recorded yet" in dead["error"]
    assert json.loads(dead["event"])["id"] == "evt_early"
    assert hook.store.get("processed_events/evt_early") is None

    hook.store.set("payments/pi_2", {"state": "pending", "callSessionId": "s2", "amount": 4900, "currency": "eur"})
    assert hook.deliver(early).status == 200
    assert hook.store.get("payments/pi_2")["state"] == "authorized"  # type: ignore[index]
    assert hook.store.get("dead_letter_events/evt_early")["resolvedAt"] == hook.clock.now()  # type: ignore[index]


def test_a_handler_failing_midway_writes_none_of_its_effect(hook: Webhook) -> None:
    def half_then_fail(tx: Any, event: dict[str, Any], now: datetime) -> None:
        PAYMENT_INTENT_HANDLERS[AUTHORIZED](tx, event, now)
        raise RuntimeError("boom after writing")

    hook.handlers[AUTHORIZED] = half_then_fail
    assert hook.deliver(payment_intent_event("evt_1", AUTHORIZED, intent())).status == 500
    assert hook.payment()["state"] == "pending"
    assert hook.store.collection("payment_audit_logs") == {}
    assert hook.store.get("processed_events/evt_1") is None


def test_dispatch_table_covers_the_booking_events() -> None:
    assert set(PAYMENT_INTENT_HANDLERS) <= set(STRIPE_EVENT_HANDLERS)
    assert {
        "payment_intent.amount_capturable_updated",
        "payment_intent.payment_failed",
        "payment_intent.canceled",
        "payment_intent.succeeded",
    } == set(PAYMENT_INTENT_HANDLERS)


def test_the_sdk_pins_the_api_version_the_handlers_read() -> None:
    import stripe

    assert sdk_api_version() == stripe.api_version == "2026-10-28.endive"


@pytest.mark.parametrize("version", ["2025-03-31.basil", None, ""])
def test_an_event_at_another_api_version_is_logged_as_an_error_and_refused(
    hook: Webhook, caplog: pytest.LogCaptureFixture, version: str | None
) -> None:
    event = payment_intent_event("evt_v", AUTHORIZED, intent())
    event["api_version"] = version
    with caplog.at_level(logging.ERROR, logger="shared.payments.services.stripe_webhook"):
        response = hook.deliver(event)
    assert response.status == 500 and response.body["expected"] == sdk_api_version()
    assert hook.payment()["state"] == "pending"
    assert hook.store.get("processed_events/evt_v") is None
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    fields = record.json_fields  # type: ignore[attr-defined]
    assert fields["alert"] == "stripe_webhook_api_version_mismatch"
    assert (fields["eventId"], fields["eventApiVersion"], fields["expectedApiVersion"]) == (
        "evt_v",
        version,
        sdk_api_version(),
    )
    failures = hook.store.get("webhook_failures/evt_v")
    assert failures is not None and "api_version" in failures["lastError"]


def test_a_refused_version_dead_letters_and_the_same_event_at_the_pinned_version_applies(hook: Webhook) -> None:
    hook.store.set("settings/payments", {"webhookMaxAttempts": 2})
    event = payment_intent_event("evt_v2", AUTHORIZED, intent())
    old = {**event, "api_version": "2024-06-20"}
    assert [hook.deliver(old).status for _ in range(2)] == [500, 500]
    assert hook.store.get("dead_letter_events/evt_v2") is not None
    assert hook.deliver(event).status == 200
    assert hook.payment()["state"] == "authorized"


def test_an_unhandled_type_at_another_version_is_refused_too(hook: Webhook) -> None:
    event = {"id": "evt_u2", "type": "balance.available", "api_version": "2017-08-15", "data": {"object": {}}}
    assert hook.deliver(event).status == 500
    assert hook.store.collection("unhandled_events") == {}


def test_a_handler_may_be_given_another_pinned_version(hook: Webhook) -> None:
    event = {**payment_intent_event("evt_v3", AUTHORIZED, intent()), "api_version": "2027-01-01.next"}
    payload = json.dumps(event).encode()
    response = handle_stripe_webhook(
        payload,
        stripe_signature(payload, SECRET, int(time.time())),
        verifier=StripeWebhookVerifier(SECRET),
        store=hook.store,
        clock=hook.clock,
        handlers=hook.handlers,
        api_version="2027-01-01.next",
    )
    assert response.status == 200 and hook.payment()["state"] == "authorized"
