"""A whole subscription lifecycle's real Stripe events, replayed and reordered over HTTP.

The lifecycle (Checkout, upgrade to yearly, cancel at period end) runs on the local Stripe; its
events are then posted again, signed, to stripeWebhook as Stripe would on a retry (same ids:
nothing changes), newest first to a store that never saw them, and, rewritten for fresh
providers (subscriptions Stripe does not know: applied from the events alone), in reverse and
in shuffled, doubled order: the final document is the in-order one.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from datetime import timedelta
from typing import Any

import pytest
import requests

from devtools import ports
from shared.entry.stripe_events import STRIPE_EVENT_HANDLERS
from tests.e2e.conftest import STRIPE, WebApp
from tests.e2e.subscribing import (
    SK,
    WEST3,
    advance_stripe_to,
    complete_checkout,
    new_subscriber,
    plans_synced,
    start_checkout,
    stripe_now,
    stripe_webhooks_delivered,
    subscription,
)
from tests.fakes import stripe_signature

pytestmark = pytest.mark.e2e
# Written at delivery, not derived from Stripe: they differ between two deliveries.
# (`stripeRequestCount` counts our own requests to Stripe.)
DELIVERY_FIELDS = {
    "createdAt",
    "updatedAt",
    "providerId",
    "stripeCustomerId",
    "stripeSubscriptionId",
    "stripeRequestCount",
}


def post_event(event: dict[str, Any]) -> dict[str, Any]:
    payload = json.dumps(event).encode()
    response = requests.post(
        ports.function_url(WEST3, "stripeWebhook"),
        data=payload,
        headers={
            "Content-Type": "application/json",
            "Stripe-Signature": stripe_signature(payload, ports.STRIPE_WEBHOOK_SECRET, int(time.time())),
        },
        timeout=30,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def lifecycle_events(customer_id: str, since: int) -> list[dict[str, Any]]:
    """The handled events about one customer, in the order Stripe created them."""
    listed = requests.get(f"{STRIPE}/v1/events", params={"limit": 100, "created[gte]": since}, auth=SK, timeout=10)
    listed.raise_for_status()
    mine = [
        e
        for e in listed.json()["data"]
        if e["type"] in STRIPE_EVENT_HANDLERS
        and customer_id in (e["data"]["object"].get("customer"), e["data"]["object"].get("id"))
    ]
    return sorted(mine, key=lambda e: e["created"])


def rewritten(events: list[dict[str, Any]], renames: dict[str, str]) -> list[dict[str, Any]]:
    """The same events for another provider, customer and subscription, with fresh event ids."""
    copies = []
    for event in events:
        text = json.dumps(event)
        for old, new in renames.items():
            text = text.replace(old, new)
        copy = json.loads(text)
        copy["id"] = f"evt_copy_{uuid.uuid4().hex[:16]}"
        copies.append(copy)
    return copies


def stripe_derived(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k not in DELIVERY_FIELDS}


def test_replayed_and_reordered_lifecycles_end_in_the_same_document(web: WebApp, db: Any) -> None:
    plans_synced(web)
    lawyer = new_subscriber(web, db, "lawyer")
    since = int(stripe_now().timestamp())
    complete_checkout(start_checkout(web, lawyer, "lawyer_basic", "eur", "monthly").result["sessionId"])
    subscription(db, lawyer.uid, status="active")
    # Separate user actions are seconds apart in real life; Stripe timestamps are in seconds.
    advance_stripe_to(stripe_now() + timedelta(minutes=5))
    upgrade = {"planId": "lawyer_pro", "currency": "eur", "billingPeriod": "yearly"}
    assert web.call(WEST3, "changeSubscriptionPlan", upgrade, lawyer).status == 200
    subscription(db, lawyer.uid, billingPeriod="yearly")
    advance_stripe_to(stripe_now() + timedelta(minutes=5))
    assert web.call(WEST3, "cancelSubscription", {}, lawyer).status == 200
    subscription(db, lawyer.uid, cancelAtPeriodEnd=True)
    stripe_webhooks_delivered()
    in_order = subscription(db, lawyer.uid)
    events = lifecycle_events(in_order["stripeCustomerId"], since)
    assert {"customer.subscription.created", "customer.subscription.updated", "invoice.paid"} <= {
        e["type"] for e in events
    }

    # Stripe retries: the same ids again change nothing.
    assert all(post_event(e)["duplicate"] is True for e in events)
    assert subscription(db, lawyer.uid) == in_order

    # A store that never saw them gets them newest first: each subscription event is applied
    # with the subscription as Stripe has it now, so the end is the same.
    db.document(f"subscriptions/{lawyer.uid}").delete()
    for e in events:
        db.document(f"processed_events/{e['id']}").delete()
    assert all(post_event(e)["duplicate"] is False for e in reversed(events))
    assert stripe_derived(subscription(db, lawyer.uid)) == stripe_derived(in_order)

    rng = random.Random(4)
    shuffled_twice = events * 2
    rng.shuffle(shuffled_twice)
    for order in (list(reversed(events)), shuffled_twice):
        other = new_subscriber(web, db, "lawyer")
        renames = {
            lawyer.uid: other.uid,
            in_order["stripeCustomerId"]: f"cus_copy{uuid.uuid4().hex[:12]}",
            in_order["stripeSubscriptionId"]: f"sub_copy{uuid.uuid4().hex[:12]}",
        }
        copies = {e["id"]: c for e, c in zip(events, rewritten(events, renames), strict=True)}
        for event in order:
            post_event(copies[event["id"]])
        assert stripe_derived(subscription(db, other.uid)) == stripe_derived(in_order)
