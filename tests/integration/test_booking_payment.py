"""createPaymentIntent and stripeWebhook services on real Firestore and localstripe."""

import json
import threading
import time
from typing import Any

import pytest
import requests

from shared.entry.stripe_events import STRIPE_EVENT_HANDLERS
from shared.kernel.adapters.firestore_store import FirestoreDocumentStore
from shared.kernel.clock import SystemClock
from shared.kernel.commands import Caller, parse_command
from shared.kernel.errors import Aborted
from shared.payments.adapters.stripe_gateway import StripePaymentGateway, StripeWebhookVerifier
from shared.payments.domain.pricing import DEFAULT_PRICING
from shared.payments.services.commands import CreatePaymentIntentCommand
from shared.payments.services.intents import PaymentIntentCreated, create_payment_intent
from shared.payments.services.stripe_webhook import handle_stripe_webhook
from tests.fakes import stripe_signature
from tests.integration.conftest import WebhookReceiver

SECRET = "whsec_it_booking"
CLIENT = Caller("client_it", {"role": "client"})


@pytest.fixture
def seeded(store: FirestoreDocumentStore) -> FirestoreDocumentStore:
    store.set("settings/pricing", DEFAULT_PRICING.to_document())
    store.set("sos_profiles/lawyer_it", {"type": "lawyer", "approvalStatus": "approved", "isVisible": True})
    return store


def command(session: str) -> CreatePaymentIntentCommand:
    return parse_command(
        CreatePaymentIntentCommand,
        {
            "amount": 49,
            "currency": "eur",
            "serviceType": "lawyer_call",
            "providerId": "lawyer_it",
            "clientId": "client_it",
            "callSessionId": session,
        },
    )


def book(store: FirestoreDocumentStore, stripe_api: str, session: str) -> PaymentIntentCreated:
    gateway = StripePaymentGateway("sk_test_it", api_base=stripe_api)
    return create_payment_intent(command(session), CLIENT, store=store, gateway=gateway, clock=SystemClock())


def webhook(store: FirestoreDocumentStore) -> Any:
    def respond(body: bytes, signature: str | None) -> tuple[int, str]:
        result = handle_stripe_webhook(
            body,
            signature,
            verifier=StripeWebhookVerifier(SECRET),
            store=store,
            clock=SystemClock(),
            handlers=STRIPE_EVENT_HANDLERS,
        )
        return result.status, result.as_json()

    return respond


def localstripe_intents(stripe_api: str) -> list[dict[str, Any]]:
    response = requests.get(f"{stripe_api}/v1/payment_intents", auth=("sk_test_it", ""), timeout=5)
    return list(response.json()["data"])


def wait_for_state(store: FirestoreDocumentStore, payment_id: str, state: str, timeout: float = 15) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        doc = store.get(f"payments/{payment_id}")
        if doc and doc["state"] == state:
            return doc
        time.sleep(0.1)
    raise AssertionError(f"payment {payment_id} never reached {state}: {store.get(f'payments/{payment_id}')}")


def test_hold_is_created_on_stripe_with_manual_capture_and_metadata(
    seeded: FirestoreDocumentStore, stripe_api: str
) -> None:
    result = book(seeded, stripe_api, "it_session_1")
    [intent] = localstripe_intents(stripe_api)
    assert intent["id"] == result.payment_intent_id
    assert intent["capture_method"] == "manual"
    assert intent["amount"] == 4900 and intent["currency"] == "eur"
    assert intent["metadata"] == {
        "callSessionId": "it_session_1",
        "providerId": "lawyer_it",
        "clientId": "client_it",
        "serviceType": "lawyer_call",
    }
    payment = seeded.get(f"payments/{result.payment_intent_id}")
    assert payment is not None and payment["status"] == "requires_payment_method"
    assert seeded.get(f"payment_audit_logs/{result.payment_intent_id}_created") is not None


def test_concurrent_requests_for_one_session_make_one_stripe_hold(
    seeded: FirestoreDocumentStore, stripe_api: str
) -> None:
    # localstripe ignores idempotency keys: only the Firestore reservation prevents a second hold.
    results: list[Any] = []
    barrier = threading.Barrier(8)

    def run() -> None:
        barrier.wait()
        try:
            results.append(book(seeded, stripe_api, "it_race"))
        except Aborted as exc:
            results.append(exc)

    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    intents = localstripe_intents(stripe_api)
    assert len(intents) == 1
    assert {r.payment_intent_id for r in results if isinstance(r, PaymentIntentCreated)} == {intents[0]["id"]}


def test_signed_webhooks_drive_the_payment_to_authorized_then_captured(
    seeded: FirestoreDocumentStore, stripe_api: str, webhook_receiver: Any
) -> None:
    receiver: WebhookReceiver = webhook_receiver(webhook(seeded), SECRET)
    result = book(seeded, stripe_api, "it_session_2")
    requests.post(
        f"{stripe_api}/v1/payment_intents/{result.payment_intent_id}/confirm",
        data={"payment_method": "pm_card_visa", "client_secret": result.client_secret},
        auth=("sk_test_it", ""),
        timeout=5,
    ).raise_for_status()
    authorized = wait_for_state(seeded, result.payment_intent_id, "authorized")
    assert authorized["status"] == "requires_capture"
    assert authorized["captureBefore"].timestamp() > time.time() + 6 * 24 * 3600

    requests.post(
        f"{stripe_api}/v1/payment_intents/{result.payment_intent_id}/capture", auth=("sk_test_it", ""), timeout=5
    ).raise_for_status()
    captured = wait_for_state(seeded, result.payment_intent_id, "captured")
    assert captured["amountReceived"] == 4900
    deliveries = receiver.wait_for(lambda d: len(d) >= 2)
    assert all(d["status"] == 200 for d in deliveries)

    # Stripe redelivers the authorisation late: the captured payment does not move back.
    late = next(d["event"] for d in deliveries if d["event"]["type"] == "payment_intent.amount_capturable_updated")
    body = json.dumps(late).encode()
    status, _ = webhook(seeded)(body, stripe_signature(body, SECRET, int(time.time())))
    assert status == 200
    assert seeded.get(f"payments/{result.payment_intent_id}")["state"] == "captured"  # type: ignore[index]


def test_racing_deliveries_of_one_real_event_apply_once(
    seeded: FirestoreDocumentStore, stripe_api: str, webhook_receiver: Any
) -> None:
    receiver: WebhookReceiver = webhook_receiver(lambda body, sig: (200, "ok"), SECRET)
    result = book(seeded, stripe_api, "it_session_3")
    requests.post(
        f"{stripe_api}/v1/payment_intents/{result.payment_intent_id}/confirm",
        data={"payment_method": "pm_card_visa"},
        auth=("sk_test_it", ""),
        timeout=5,
    ).raise_for_status()
    [delivery] = receiver.wait_for(lambda d: len(d) >= 1)
    body = json.dumps(delivery["event"]).encode()
    outcomes: list[tuple[int, dict[str, Any]]] = []
    barrier = threading.Barrier(6)

    def deliver() -> None:
        barrier.wait()
        status, text = webhook(seeded)(body, stripe_signature(body, SECRET, int(time.time())))
        outcomes.append((status, json.loads(text)))

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 6
    applied = [o for o in outcomes if o[0] == 200 and o[1]["duplicate"] is False]
    assert len(applied) == 1, outcomes
    # The others saw the winner's ledger entry, or (the emulator's locks can time out under
    # contention) answered 5xx so that Stripe delivers again: that later delivery is a duplicate.
    for status, answer in outcomes:
        assert (status, answer.get("duplicate")) in ((200, False), (200, True), (500, None)), (status, answer)
        if status == 500:
            again, text = webhook(seeded)(body, stripe_signature(body, SECRET, int(time.time())))
            assert (again, json.loads(text)["duplicate"]) == (200, True)
    assert seeded.get(f"payments/{result.payment_intent_id}")["state"] == "authorized"  # type: ignore[index]
    audit = seeded.get(f"payment_audit_logs/{result.payment_intent_id}_{delivery['event']['id']}")
    assert audit is not None
    assert seeded.get(f"processed_events/{delivery['event']['id']}") is not None
