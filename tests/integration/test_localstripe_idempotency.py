"""The local Stripe keeps Stripe's idempotency promise, and its fault switch fails requests on demand."""

from typing import Any

import pytest
import requests
import stripe
from stripe.params import PaymentIntentCreateParams

from tests.integration.conftest import WebhookReceiver

AUTH = ("sk_test_it", "")
SECRET = "whsec_it_idempotency"
HOLD = {"amount": "4900", "currency": "eur", "capture_method": "manual", "allowed_payment_method_types[]": "card"}


def post(url: str, path: str, data: dict[str, Any], key: str | None = None, api_key: str = "sk_test_it") -> Any:
    headers = {"Idempotency-Key": key} if key is not None else {}
    return requests.post(f"{url}{path}", data=data, headers=headers, auth=(api_key, ""), timeout=5)


def intents(url: str) -> list[dict[str, Any]]:
    listed = requests.get(f"{url}/v1/payment_intents", params={"limit": 100}, auth=AUTH, timeout=5).json()
    return list(listed["data"])


def arm(url: str, **fault: Any) -> Any:
    response = requests.post(f"{url}/_test/faults", json=fault, auth=AUTH, timeout=5)
    response.raise_for_status()
    return response.json()


def authorised(url: str) -> str:
    intent = post(url, "/v1/payment_intents", HOLD).json()
    confirmed = post(url, f"/v1/payment_intents/{intent['id']}/confirm", {"payment_method": "pm_card_visa"})
    assert confirmed.json()["status"] == "requires_capture"
    return str(intent["id"])


def test_a_retry_with_the_same_key_replays_the_first_answer_byte_for_byte(stripe_api: str) -> None:
    first = post(stripe_api, "/v1/payment_intents", HOLD, key="hold:s1")
    again = post(stripe_api, "/v1/payment_intents", dict(reversed(list(HOLD.items()))), key="hold:s1")
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert again.headers["Request-Id"] == first.headers["Request-Id"]
    assert [i["id"] for i in intents(stripe_api)] == [first.json()["id"]]


def test_the_same_key_with_other_parameters_or_another_endpoint_is_an_idempotency_error(stripe_api: str) -> None:
    api = stripe.StripeClient("sk_test_it", base_addresses={"api": stripe_api}, max_network_retries=0).v1
    params: PaymentIntentCreateParams = {"amount": 4900, "currency": "eur", "allowed_payment_method_types": ["card"]}
    api.payment_intents.create(params=params, options={"idempotency_key": "hold:s2"})
    with pytest.raises(stripe.IdempotencyError) as other_params:
        other: PaymentIntentCreateParams = {**params, "amount": 5900}
        api.payment_intents.create(params=other, options={"idempotency_key": "hold:s2"})
    assert other_params.value.http_status == 400
    with pytest.raises(stripe.IdempotencyError):
        api.customers.create(params={"email": "a@example.com"}, options={"idempotency_key": "hold:s2"})
    assert len(intents(stripe_api)) == 1


def test_keys_belong_to_one_api_key(stripe_api: str) -> None:
    first = post(stripe_api, "/v1/payment_intents", HOLD, key="hold:s3").json()
    other = post(stripe_api, "/v1/payment_intents", HOLD, key="hold:s3", api_key="sk_test_other_account").json()
    assert other["id"] != first["id"]


def test_a_parameter_error_is_not_saved(stripe_api: str) -> None:
    refused = post(stripe_api, "/v1/payment_intents", {**HOLD, "payment_method_types[]": "card"}, key="hold:s4")
    assert refused.status_code == 400
    created = post(stripe_api, "/v1/payment_intents", HOLD, key="hold:s4")
    assert created.status_code == 200 and "Idempotent-Replayed" not in created.headers


def test_a_replay_does_nothing_and_emits_nothing(stripe_api: str, webhook_receiver: Any) -> None:
    receiver: WebhookReceiver = webhook_receiver(lambda body, sig: (200, "ok"), SECRET)
    intent_id = authorised(stripe_api)
    captured = post(stripe_api, f"/v1/payment_intents/{intent_id}/capture", {}, key="capture:s5")
    assert captured.json()["status"] == "succeeded"

    def succeeded(deliveries: list[dict[str, Any]]) -> list[str]:  # of this intent (not an earlier test's)
        return [
            x["event"]["id"]
            for x in deliveries
            if x["event"]["type"] == "payment_intent.succeeded" and x["event"]["data"]["object"]["id"] == intent_id
        ]

    receiver.wait_for(lambda d: bool(succeeded(d)))
    replayed = post(stripe_api, f"/v1/payment_intents/{intent_id}/capture", {}, key="capture:s5")
    assert replayed.content == captured.content
    events = requests.get(f"{stripe_api}/v1/events", params={"type": "payment_intent.succeeded"}, auth=AUTH, timeout=5)
    assert len(events.json()["data"]) == 1
    [event] = events.json()["data"]
    assert event["request"] == {"id": captured.headers["Request-Id"], "idempotency_key": "capture:s5"}


def test_a_server_error_is_saved_under_its_key_so_a_retry_needs_a_new_key(stripe_api: str) -> None:
    intent_id = authorised(stripe_api)
    armed = arm(stripe_api, path="/v1/payment_intents/{id}/capture", status=500, times=1)
    assert armed["times"] == 1
    path = f"/v1/payment_intents/{intent_id}/capture"

    failed = post(stripe_api, path, {}, key="capture:s6")
    assert failed.status_code == 500 and failed.json()["error"]["type"] == "api_error"
    assert requests.get(f"{stripe_api}/_test/faults", auth=AUTH, timeout=5).json()["data"] == []
    replayed = post(stripe_api, path, {}, key="capture:s6")
    assert replayed.status_code == 500 and replayed.content == failed.content
    retrieved = requests.get(f"{stripe_api}/v1/payment_intents/{intent_id}", auth=AUTH, timeout=5).json()
    assert retrieved["status"] == "requires_capture"

    fresh = post(stripe_api, path, {}, key="capture:s6:1")
    assert fresh.status_code == 200 and fresh.json()["status"] == "succeeded"


def test_the_sdk_sees_the_server_error_and_its_replay(stripe_api: str) -> None:
    intent_id = authorised(stripe_api)
    arm(stripe_api, path="/v1/payment_intents/{id}/capture", status=503, times=1, method="POST")
    api = stripe.StripeClient("sk_test_it", base_addresses={"api": stripe_api}, max_network_retries=2).v1
    for _ in range(2):
        with pytest.raises(stripe.APIError) as error:
            api.payment_intents.capture(intent_id, options={"idempotency_key": "capture:s7"})
        assert error.value.http_status == 503
    assert api.payment_intents.capture(intent_id, options={"idempotency_key": "capture:s7:1"}).status == "succeeded"


def test_a_fault_answers_only_the_matching_requests_and_then_disarms(stripe_api: str) -> None:
    arm(stripe_api, path="/v1/payment_intents", status=502, times=2, method="POST")
    assert post(stripe_api, "/v1/customers", {"email": "a@example.com"}).status_code == 200
    assert requests.get(f"{stripe_api}/v1/payment_intents", auth=AUTH, timeout=5).status_code == 200
    assert [post(stripe_api, "/v1/payment_intents", HOLD).status_code for _ in range(3)] == [502, 502, 200]
    assert len(intents(stripe_api)) == 1


@pytest.mark.parametrize(
    "fault",
    [
        {"path": "/v1/payment_intents", "status": 404},
        {"path": "payment_intents", "status": 500},
        {"path": "/v1/payment_intents", "status": 500, "times": 0},
        {"path": "/v1/payment_intents", "status": 500, "method": "PUT"},
    ],
)
def test_the_fault_switch_refuses_what_it_cannot_do(stripe_api: str, fault: dict[str, Any]) -> None:
    assert requests.post(f"{stripe_api}/_test/faults", json=fault, auth=AUTH, timeout=5).status_code == 400


def test_keys_expire_after_24_hours_of_the_local_clock(stripe_api: str) -> None:
    first = post(stripe_api, "/v1/payment_intents", HOLD, key="hold:s8").json()
    advance = {"seconds": 23 * 3600}
    requests.post(f"{stripe_api}/_test/clock/advance", json=advance, auth=AUTH, timeout=10).raise_for_status()
    assert post(stripe_api, "/v1/payment_intents", HOLD, key="hold:s8").json()["id"] == first["id"]
    advance = {"seconds": 3600}
    requests.post(f"{stripe_api}/_test/clock/advance", json=advance, auth=AUTH, timeout=10).raise_for_status()
    later = post(stripe_api, "/v1/payment_intents", HOLD, key="hold:s8")
    assert later.json()["id"] != first["id"] and "Idempotent-Replayed" not in later.headers


def test_flushing_the_data_forgets_keys_and_faults(stripe_api: str) -> None:
    first = post(stripe_api, "/v1/payment_intents", HOLD, key="hold:s9").json()
    arm(stripe_api, path="/v1/customers", status=500, times=5)
    requests.delete(f"{stripe_api}/_config/data", timeout=5).raise_for_status()
    assert post(stripe_api, "/v1/payment_intents", HOLD, key="hold:s9").json()["id"] != first["id"]
    assert post(stripe_api, "/v1/customers", {"email": "a@example.com"}).status_code == 200
