"""The patched localstripe behaves like Stripe where the booking flow depends on it."""

import time
from typing import Any

import requests
import stripe

from tests.integration.conftest import WebhookReceiver, pickle_path

SECRET = "whsec_it_localstripe"


def client(url: str) -> Any:
    return stripe.StripeClient("sk_test_it", base_addresses={"api": url})


def hold(url: str) -> Any:
    return client(url).v1.payment_intents.create(
        params={"amount": 4900, "currency": "eur", "capture_method": "manual", "payment_method_types": ["card"]}
    )


def confirm(url: str, intent: Any, payment_method: str = "pm_card_visa", secret: str | None = None) -> Any:
    return requests.post(
        f"{url}/v1/payment_intents/{intent.id}/confirm",
        data={"payment_method": payment_method, "client_secret": secret or intent.client_secret},
        auth=("sk_test_it", ""),
        timeout=5,
    )


def test_authorisation_emits_amount_capturable_updated_and_capture_emits_succeeded(
    stripe_api: str, webhook_receiver: Any
) -> None:
    receiver: WebhookReceiver = webhook_receiver(lambda body, sig: (200, "ok"), SECRET)
    intent = hold(stripe_api)
    confirmed = confirm(stripe_api, intent).json()
    assert confirmed["status"] == "requires_capture"
    assert confirmed["amount_capturable"] == 4900
    capture_before = confirmed["latest_charge"]["payment_method_details"]["card"]["capture_before"]
    assert capture_before > time.time() + 6 * 24 * 3600
    receiver.wait_for(lambda d: any(x["event"]["type"] == "payment_intent.amount_capturable_updated" for x in d))
    assert "payment_intent.succeeded" not in receiver.types()

    captured = client(stripe_api).v1.payment_intents.capture(intent.id)
    assert captured.status == "succeeded" and captured.amount_received == 4900
    receiver.wait_for(lambda d: any(x["event"]["type"] == "payment_intent.succeeded" for x in d))


def test_cancel_emits_canceled(stripe_api: str, webhook_receiver: Any) -> None:
    receiver: WebhookReceiver = webhook_receiver(lambda body, sig: (200, "ok"), SECRET)
    intent = hold(stripe_api)
    assert client(stripe_api).v1.payment_intents.cancel(intent.id).status == "canceled"
    events = receiver.wait_for(lambda d: any(x["event"]["type"] == "payment_intent.canceled" for x in d))
    canceled = next(x["event"] for x in events if x["event"]["type"] == "payment_intent.canceled")
    assert canceled["data"]["object"]["id"] == intent.id


def test_declined_card_emits_payment_failed(stripe_api: str, webhook_receiver: Any) -> None:
    receiver: WebhookReceiver = webhook_receiver(lambda body, sig: (200, "ok"), SECRET)
    intent = hold(stripe_api)
    assert confirm(stripe_api, intent, "pm_card_chargeCustomerFail").status_code == 402
    receiver.wait_for(lambda d: any(x["event"]["type"] == "payment_intent.payment_failed" for x in d))


def test_confirm_checks_the_client_secret(stripe_api: str) -> None:
    intent = hold(stripe_api)
    assert confirm(stripe_api, intent, secret="pi_x_secret_wrong").status_code == 400
    assert client(stripe_api).v1.payment_intents.retrieve(intent.id).status == "requires_payment_method"


def test_state_is_not_persisted_to_disk(stripe_api: str) -> None:
    before = pickle_path().stat().st_mtime if pickle_path().exists() else None
    hold(stripe_api)
    after = pickle_path().stat().st_mtime if pickle_path().exists() else None
    assert before == after


def test_a_failed_delivery_is_retried_until_answered_2xx(stripe_api: str, webhook_receiver: Any) -> None:
    """Like Stripe, a 5xx (or no answer) is delivered again, with the same event id."""
    answers = iter([500, 503, 200])
    receiver: WebhookReceiver = webhook_receiver(lambda body, sig: (next(answers, 200), "ok"), SECRET)
    intent = hold(stripe_api)
    assert client(stripe_api).v1.payment_intents.cancel(intent.id).status == "canceled"
    deliveries = receiver.wait_for(
        lambda d: [x["status"] for x in d if x["event"]["type"] == "payment_intent.canceled"][-1:] == [200]
    )
    canceled = [x for x in deliveries if x["event"]["type"] == "payment_intent.canceled"]
    assert [x["status"] for x in canceled] == [500, 503, 200]
    assert len({x["event"]["id"] for x in canceled}) == 1
