"""The patched localstripe behaves like Stripe where the booking flow depends on it."""

import time
from typing import Any

import pytest
import requests
import stripe

from tests.integration.conftest import WebhookReceiver, pickle_path

SECRET = "whsec_it_localstripe"
AUTH = ("sk_test_it", "")


def client(url: str) -> Any:
    return stripe.StripeClient("sk_test_it", base_addresses={"api": url})


def hold(url: str) -> Any:
    return client(url).v1.payment_intents.create(
        params={"amount": 4900, "currency": "eur", "capture_method": "manual", "allowed_payment_method_types": ["card"]}
    )


def confirm(
    url: str, intent: Any, payment_method: str = "pm_card_visa", secret: str | None = None, **extra: Any
) -> Any:
    return requests.post(
        f"{url}/v1/payment_intents/{intent.id}/confirm",
        data={"payment_method": payment_method, "client_secret": secret or intent.client_secret, **extra},
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
    charge = client(stripe_api).v1.charges.retrieve(confirmed["latest_charge"])
    assert charge.payment_method_details.card.capture_before > time.time() + 6 * 24 * 3600
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


def test_create_refuses_payment_method_types_as_the_pinned_version_does(stripe_api: str) -> None:
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client(stripe_api).v1.payment_intents.create(
            params={"amount": 4900, "currency": "eur", "payment_method_types": ["card"]}  # type: ignore[typeddict-unknown-key]
        )
    assert refused.value.http_status == 400 and refused.value.param == "payment_method_types"
    assert client(stripe_api).v1.payment_intents.list().data == []


def test_create_takes_allowed_payment_method_types_and_a_destination_with_its_fee(stripe_api: str) -> None:
    intent = client(stripe_api).v1.payment_intents.create(
        params={
            "amount": 4900,
            "currency": "eur",
            "capture_method": "manual",
            "allowed_payment_method_types": ["card"],
            "transfer_data": {"destination": "acct_provider_1"},
            "application_fee_amount": 980,
        }
    )
    assert intent.allowed_payment_method_types == ["card"] and intent.payment_method_types == ["card"]
    assert intent.transfer_data is not None and intent.transfer_data.destination == "acct_provider_1"
    assert intent.application_fee_amount == 980
    again = client(stripe_api).v1.payment_intents.retrieve(intent.id)
    assert again.transfer_data is not None and again.transfer_data.destination == "acct_provider_1"
    assert again.application_fee_amount == 980


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"application_fee_amount": 980}, "application_fee_amount"),
        ({"transfer_data": {"destination": "acct_1"}, "application_fee_amount": 5000}, "application_fee_amount"),
        ({"transfer_data": {"destination": "cus_1"}}, "transfer_data[destination]"),
        ({"allowed_payment_method_types": "card"}, "allowed_payment_method_types"),
    ],
)
def test_create_refuses_a_fee_without_destination_and_malformed_values(
    stripe_api: str, params: dict[str, Any], param: str
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client(stripe_api).v1.payment_intents.create(params={"amount": 4900, "currency": "eur", **params})
    assert refused.value.param == param


def test_latest_charge_is_an_id_unless_expanded(stripe_api: str) -> None:
    api = client(stripe_api).v1
    intent = hold(stripe_api)
    confirmed = confirm(stripe_api, intent).json()
    charge_id = confirmed["latest_charge"]
    assert isinstance(charge_id, str) and charge_id.startswith("ch_")
    assert "charges" not in confirmed and "invoice" not in confirmed  # removed at the pinned version

    assert api.payment_intents.retrieve(intent.id).latest_charge == charge_id
    expanded = api.payment_intents.retrieve(intent.id, params={"expand": ["latest_charge"]})
    assert isinstance(expanded.latest_charge, stripe.Charge) and expanded.latest_charge.id == charge_id
    details = expanded.latest_charge.payment_method_details
    assert details is not None and details.card is not None
    assert (details.card.capture_before or 0) > time.time()
    raw = requests.get(
        f"{stripe_api}/v1/payment_intents/{intent.id}", params={"expand[]": "latest_charge"}, auth=AUTH, timeout=5
    ).json()
    assert raw["latest_charge"]["id"] == charge_id and "invoice" not in raw["latest_charge"]

    captured = api.payment_intents.capture(intent.id, params={"expand": ["latest_charge"]})
    assert isinstance(captured.latest_charge, stripe.Charge) and captured.latest_charge.captured is True
    assert isinstance(api.payment_intents.retrieve(intent.id).latest_charge, str)


def test_create_and_confirm_honour_expand(stripe_api: str) -> None:
    api = client(stripe_api).v1
    created = api.payment_intents.create(
        params={
            "amount": 4900,
            "currency": "eur",
            "capture_method": "manual",
            "payment_method": "pm_card_visa",
            "confirm": True,
            "expand": ["latest_charge"],
        }
    )
    assert isinstance(created.latest_charge, stripe.Charge) and created.status == "requires_capture"
    intent = hold(stripe_api)
    confirmed = confirm(stripe_api, intent, **{"expand[]": "latest_charge"}).json()
    assert confirmed["latest_charge"]["object"] == "charge"
