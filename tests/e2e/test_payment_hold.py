"""Card hold end to end: web app -> createPaymentIntent -> Stripe.js confirm -> signed webhook."""

import json
import time
import uuid
from typing import Any

import pytest
import requests
from google.cloud.firestore_v1.base_query import FieldFilter

from devtools import ports
from tests.e2e.conftest import STRIPE, Account, WebApp, confirm_card, wait_for
from tests.fakes import stripe_signature

WEST3 = "europe-west3"
pytestmark = pytest.mark.e2e


def booking(account: Account, **overrides: Any) -> dict[str, Any]:
    return {
        "amount": 49,
        "currency": "eur",
        "serviceType": "lawyer_call",
        "providerId": "demo_lawyer",
        "clientId": account.uid,
        "callSessionId": f"e2e_{uuid.uuid4().hex[:16]}",
        **overrides,
    }


def test_client_books_a_lawyer_and_the_hold_reaches_authorized(web: WebApp, db: Any) -> None:
    client = web.sign_up()
    data = booking(client)
    created = web.call(WEST3, "createPaymentIntent", data, client)
    assert created.status == 200, created.body
    result = created.result
    assert result["amount"] == 4900 and result["currency"] == "eur"
    assert result["clientSecret"].startswith(result["paymentIntentId"])

    payment_ref = db.document(f"payments/{result['paymentIntentId']}")
    pending = payment_ref.get().to_dict()
    assert pending["status"] == "requires_payment_method" and pending["state"] == "pending"
    assert pending["clientId"] == client.uid and pending["callSessionId"] == data["callSessionId"]

    assert confirm_card(result["paymentIntentId"], result["clientSecret"])["status"] == "requires_capture"
    authorized = wait_for(
        lambda: (doc := payment_ref.get().to_dict())["state"] == "authorized" and doc,
        what="the signed webhook to authorize the payment",
    )
    assert authorized["status"] == "requires_capture"
    assert authorized["amountCapturable"] == 4900
    assert authorized["captureBefore"] is not None
    event_id = authorized["lastEventId"]
    assert db.document(f"processed_events/{event_id}").get().exists

    again = web.call(WEST3, "createPaymentIntent", data, client)
    assert again.status == 200 and again.result == result


def test_the_demo_client_account_works(web: WebApp) -> None:
    demo = web.sign_in("client@demo.sos-expat.test")
    created = web.call(WEST3, "createPaymentIntent", booking(demo, currency="usd", amount="55.00"), demo)
    assert created.status == 200, created.body
    assert created.result["amount"] == 5500 and created.result["currency"] == "usd"


def test_expat_helper_prices(web: WebApp) -> None:
    client = web.sign_up()
    data = booking(client, providerId="demo_expat", serviceType="expat_call", amount=19)
    assert web.call(WEST3, "createPaymentIntent", data, client).result["amount"] == 1900


def test_the_callable_does_not_exist_in_another_region(web: WebApp) -> None:
    client = web.sign_up()
    assert web.call("europe-west1", "createPaymentIntent", booking(client), client).status == 404


def test_rate_limit_per_client(web: WebApp, db: Any) -> None:
    client = web.sign_up()
    for _ in range(5):
        assert web.call(WEST3, "createPaymentIntent", booking(client), client).status == 200
    refused = web.call(WEST3, "createPaymentIntent", booking(client), client)
    assert refused.error_status == "RESOURCE_EXHAUSTED", refused.body
    assert "retry in" in refused.error_message
    payments = db.collection("payments").where(filter=FieldFilter("clientId", "==", client.uid)).get()
    assert len(payments) == 5


def signed_event_from_stripe() -> dict[str, Any]:
    response = requests.get(f"{STRIPE}/v1/events", auth=(ports.STRIPE_SECRET_KEY, ""), timeout=10)
    events = [e for e in response.json()["data"] if e["type"] == "payment_intent.amount_capturable_updated"]
    assert events, "no authorisation event in localstripe yet"
    event: dict[str, Any] = events[0]
    return event


def post_webhook(body: bytes, signature: str | None) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["Stripe-Signature"] = signature
    return requests.post(ports.function_url(WEST3, "stripeWebhook"), data=body, headers=headers, timeout=30)


def test_webhook_rejects_bad_signatures_and_ignores_redeliveries(web: WebApp, db: Any) -> None:
    client = web.sign_up()
    result = web.call(WEST3, "createPaymentIntent", booking(client), client).result
    confirm_card(result["paymentIntentId"], result["clientSecret"])
    payment_ref = db.document(f"payments/{result['paymentIntentId']}")
    wait_for(lambda: payment_ref.get().to_dict()["state"] == "authorized", what="authorization")
    event = signed_event_from_stripe()
    event["id"] = f"evt_e2e_{uuid.uuid4().hex[:12]}"
    event["data"]["object"]["id"] = result["paymentIntentId"]
    body = json.dumps(event).encode()
    now = int(time.time())

    ledger = db.document(f"processed_events/{event['id']}")
    for signature in (None, "t=1,v1=00", stripe_signature(body, "whsec_wrong", now)):
        assert post_webhook(body, signature).status_code == 400
    stale = stripe_signature(body, ports.STRIPE_WEBHOOK_SECRET, now - 301)
    assert post_webhook(body, stale).status_code == 400
    tampered = stripe_signature(body, ports.STRIPE_WEBHOOK_SECRET, now)
    assert post_webhook(body.replace(b"4900", b"4901"), tampered).status_code == 400
    assert not ledger.get().exists

    before = payment_ref.get().to_dict()
    first = post_webhook(body, stripe_signature(body, ports.STRIPE_WEBHOOK_SECRET, now))
    assert first.status_code == 200 and first.json()["duplicate"] is False
    second = post_webhook(body, stripe_signature(body, ports.STRIPE_WEBHOOK_SECRET, now))
    assert second.status_code == 200 and second.json()["duplicate"] is True
    assert ledger.get().exists
    after = payment_ref.get().to_dict()
    assert after["state"] == before["state"] == "authorized"
    assert requests.get(ports.function_url(WEST3, "stripeWebhook"), timeout=10).status_code == 405
