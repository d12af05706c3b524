"""Webhook storms on the full local stack: latency as a ratio to a no-op function, and effects.

Starts the same stack as `make dev` (fixed ports: stop `make dev` first), then:
- Stripe: STORM_SIZE signed `payment_intent.payment_failed` events, 30 % of them duplicates, in a
  shuffled order, sent concurrently to `stripeWebhook`; each distinct event fails one pending
  payment of its own;
- Twilio: STORM_SIZE signed conference callbacks (30 % duplicates, shuffled, concurrent) to
  `twilioConferenceWebhook`; each distinct event is one `(session, SequenceNumber)`, applied by
  `processTwilioCallback` after the webhook answered (effects counted once they all landed);
- the no-op `ping` function gets the same number of requests at the same concurrency.
Senders retry what answered 5xx after the storm, as Stripe does (Twilio does not: a callback
that got a 5xx is reported as lost). Prints p50/p99 of each storm as a ratio to `ping`'s, and
exits non-zero when the effects differ from the distinct events (a correctness failure).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode

import requests

from devtools import ports
from devtools.storm_runner import CONCURRENCY, Delivery, StormResult, distinct_count, run_storm, storm_order

STORM_SIZE = 1000
SEED = 20261203
EVENTS_PER_CONFERENCE = 10
APPLY_TIMEOUT_SECONDS = 1200
WEST1, WEST3 = "europe-west1", "europe-west3"


# --- Stripe -------------------------------------------------------------------------------------


def stripe_deliveries(db: Any, count: int, run_id: str) -> list[Delivery]:
    now = datetime.now(UTC)
    batch = db.batch()
    deliveries = []
    for index in range(count):
        payment_id = f"pi_storm_{run_id}_{index:04d}"
        batch.set(
            db.document(f"payments/{payment_id}"),
            {
                "paymentIntentId": payment_id,
                "callSessionId": f"storm_{run_id}_{index:04d}",
                "clientId": "demo_client",
                "providerId": "demo_lawyer",
                "amount": 4900,
                "currency": "eur",
                "state": "pending",
                "createdAt": now,
                "updatedAt": now,
            },
        )
        if index % 400 == 399:
            batch.commit()
            batch = db.batch()
        event = _stripe_event(f"evt_storm_{run_id}_{index:04d}", payment_id)
        deliveries.append(Delivery(event["id"], _stripe_sender(event)))
    batch.commit()
    return deliveries


def _stripe_event(event_id: str, payment_id: str) -> dict[str, Any]:
    from shared.payments.services.stripe_webhook import sdk_api_version

    return {
        "id": event_id,
        "object": "event",
        "type": "payment_intent.payment_failed",
        "api_version": sdk_api_version(),
        "created": int(time.time()),
        "data": {
            "object": {
                "id": payment_id,
                "object": "payment_intent",
                "status": "requires_payment_method",
                "metadata": {"callSessionId": payment_id.replace("pi_", "")},
                "last_payment_error": {"code": "card_declined", "message": "Your card was declined."},
            }
        },
    }


def _stripe_sender(event: dict[str, Any]) -> Callable[[requests.Session], int]:
    payload = json.dumps(event).encode()
    url = ports.function_url(WEST3, "stripeWebhook")

    def send(http: requests.Session) -> int:
        stamp = int(time.time())  # signed at sending time: Stripe's tolerance is 300 s
        digest = hmac.new(ports.STRIPE_WEBHOOK_SECRET.encode(), f"{stamp}.".encode() + payload, hashlib.sha256)
        headers = {"Stripe-Signature": f"t={stamp},v1={digest.hexdigest()}", "Content-Type": "application/json"}
        return http.post(url, data=payload, headers=headers, timeout=120).status_code

    return send


def stripe_effects(db: Any, run_id: str) -> int:
    from google.cloud.firestore_v1.base_query import FieldFilter

    prefix = f"pi_storm_{run_id}_"
    failed = db.collection("payments").where(filter=FieldFilter("state", "==", "failed")).stream()
    return sum(1 for doc in failed if doc.id.startswith(prefix))


# --- Twilio -------------------------------------------------------------------------------------


def twilio_deliveries(db: Any, count: int, run_id: str) -> list[Delivery]:
    now = datetime.now(UTC)
    conferences = -(-count // EVENTS_PER_CONFERENCE)
    for index in range(conferences):
        db.document(f"call_sessions/storm_{run_id}_{index:03d}").set(
            {
                "callSessionId": f"storm_{run_id}_{index:03d}",
                "status": "active",
                "clientId": "demo_client",
                "providerId": "demo_lawyer",
                "participants": {
                    "provider": {"callSid": f"CA{index:031d}1"},
                    "client": {"callSid": f"CA{index:031d}2"},
                },
                "createdAt": now,
                "updatedAt": now,
            }
        )
    deliveries = []
    for number in range(count):
        index, sequence = divmod(number, EVENTS_PER_CONFERENCE)
        call_session_id = f"storm_{run_id}_{index:03d}"
        params = {
            "AccountSid": ports.TWILIO_ACCOUNT_SID,
            "ConferenceSid": f"CF{index:032d}",
            "FriendlyName": call_session_id,
            "StatusCallbackEvent": "participant-speech-start" if sequence % 2 else "participant-speech-stop",
            "SequenceNumber": str(sequence + 1),
            "CallSid": f"CA{index:031d}{1 + sequence % 2}",
            "Timestamp": format_datetime(now, usegmt=True),
        }
        deliveries.append(Delivery(f"{call_session_id}/{sequence + 1}", _twilio_sender(call_session_id, params)))
    return deliveries


def _twilio_sender(call_session_id: str, params: dict[str, str]) -> Callable[[requests.Session], int]:
    from twilio.request_validator import RequestValidator

    query = urlencode({"callSessionId": call_session_id})
    url = f"{ports.function_url(WEST3, 'twilioConferenceWebhook')}?{query}"
    signature = RequestValidator(ports.TWILIO_AUTH_TOKEN).compute_signature(url, params)

    def send(http: requests.Session) -> int:
        return http.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=120).status_code

    return send


def twilio_effects(db: Any, run_id: str, conferences: int) -> int:
    return sum(
        len(list(db.collection(f"call_sessions/storm_{run_id}_{index:03d}/conference_events").stream()))
        for index in range(conferences)
    )


# --- the run ------------------------------------------------------------------------------------


def _ping_deliveries(count: int) -> list[Delivery]:
    url = ports.function_url(WEST1, "ping")
    return [Delivery(str(i), lambda http: http.get(url, timeout=120).status_code) for i in range(count)]


def _warm() -> None:
    """Start each function's worker (the first request of a Python function starts it): an
    unsigned request is refused before it does anything."""
    for region, name in ((WEST1, "ping"), (WEST3, "stripeWebhook"), (WEST3, "twilioConferenceWebhook")):
        for _ in range(3):
            requests.post(ports.function_url(region, name), data=b"{}", timeout=120)


def _report(name: str, storm: StormResult, baseline: StormResult, distinct: int, effects: int, lost: int) -> bool:
    p50, p99 = storm.percentile(0.50), storm.percentile(0.99)
    b50, b99 = baseline.percentile(0.50), baseline.percentile(0.99)
    ok = effects == distinct
    print(
        f"{name:<8} {len(storm.latencies):>5} deliveries {distinct:>4} distinct  "
        f"p50 {p50 * 1000:7.1f} ms ({p50 / b50:4.1f}x)  p99 {p99 * 1000:7.1f} ms ({p99 / b99:4.1f}x, goal <= 3x)  "
        f"statuses {dict(sorted(storm.statuses.items()))}  effects {effects}/{distinct}"
        + (f"  lost after 5xx {lost}" if lost else "")
        + ("" if ok else "  <-- EFFECTS DIFFER")
    )
    return ok


def run() -> int:
    """Returns 1 when a storm's effects differ from its distinct events."""
    import os

    from devtools.seed import admin_app
    from devtools.stack import LocalStack

    rng = random.Random(SEED)
    run_id = f"{int(time.time())}"
    distinct = distinct_count(STORM_SIZE)
    print(f"webhook storms: {STORM_SIZE} deliveries each, {CONCURRENCY} at a time, {distinct} distinct events")
    with LocalStack():
        os.environ["FIRESTORE_EMULATOR_HOST"] = f"{ports.HOST}:{ports.FIRESTORE_PORT}"
        from firebase_admin import firestore

        db = firestore.client(admin_app())
        pings = _ping_deliveries(STORM_SIZE)
        stripe_events = stripe_deliveries(db, distinct, run_id)
        twilio_events = twilio_deliveries(db, distinct, run_id)
        _warm()
        baseline = run_storm(pings)
        print(
            f"ping     {STORM_SIZE:>5} requests  p50 {baseline.percentile(0.5) * 1000:7.1f} ms  "
            f"p99 {baseline.percentile(0.99) * 1000:7.1f} ms  statuses {baseline.statuses}"
        )

        stripe_storm = run_storm(storm_order(stripe_events, STORM_SIZE, rng))
        retry = list({d.key: d for d in stripe_storm.failed}.values())
        for _ in range(5):  # Stripe retries what answered 5xx
            retry = [d for d in retry if d.send(requests.Session()) >= 500]
            if not retry:
                break
        ok = _report("stripe", stripe_storm, baseline, distinct, stripe_effects(db, run_id), len(retry))

        twilio_storm = run_storm(storm_order(twilio_events, STORM_SIZE, rng))
        lost = len({d.key for d in twilio_storm.failed})  # Twilio never retries a 5xx callback
        conferences = -(-distinct // EVENTS_PER_CONFERENCE)
        # The webhook only stores the callback; processTwilioCallback applies it off the request.
        effects, started = 0, time.monotonic()
        while time.monotonic() < started + APPLY_TIMEOUT_SECONDS:
            effects = twilio_effects(db, run_id, conferences)
            if effects >= distinct:
                break
            time.sleep(5)
        applied_in = time.monotonic() - started
        twilio_ok = _report("twilio", twilio_storm, baseline, distinct, effects, lost)
        print(
            f"         applied by processTwilioCallback: {effects} "
            f"(waited {applied_in:.0f} s for the task queue to drain)"
        )
    return 0 if ok and twilio_ok else 1


if __name__ == "__main__":
    import sys

    sys.exit(run())
