"""Every webhook is signed exactly as Twilio signs it: primary auth token by default,
secondary auth token (rotation) or a Webhook Setting's shared key on request."""

from __future__ import annotations

import requests
from twilio.request_validator import SIGNATURE_SETTINGS_HEADER, RequestValidator, get_signature_algorithm
from twilio.rest import Client
from twilio_sim_support import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    CALLER_ID,
    Received,
    SimEnv,
    env_fixture,  # noqa: F401
    product_app_fixture,  # noqa: F401
    sim_server_fixture,  # noqa: F401
)

from devtools.twilio_sim.faults import (
    DEFAULT_SECONDARY_AUTH_TOKEN,
    DEFAULT_SHARED_KEY_SECRET,
    DEFAULT_SHARED_KEY_SID,
)


def test_all_webhooks_of_a_full_call_are_signed(env: SimEnv) -> None:
    call = env.call("+33600000005", conf="signed")
    env.wait_final(call.sid)
    env.product.wait_for(
        lambda rs: any(r.params.get("StatusCallbackEvent") == "conference-end" for r in rs),
        what="conference-end",
    )
    paths = {r.path for r in env.product.received}
    assert paths == {"/voice", "/gather", "/status", "/conference-events"}
    validator = RequestValidator(AUTH_TOKEN)
    for request in env.product.received:
        assert request.signature_valid, request
        assert request.signed_with == "auth_token"
        assert SIGNATURE_SETTINGS_HEADER not in request.headers
        expected = validator.compute_signature(request.url, request.params)
        assert request.headers["X-Twilio-Signature"] == expected
        assert request.headers["User-Agent"].startswith("TwilioProxy")


def test_tampering_breaks_the_signature(env: SimEnv) -> None:
    call = env.call("+33600000007")
    env.wait_final(call.sid)
    request = env.product.requests_to("/status", call.sid)[-1]
    signature = request.headers["X-Twilio-Signature"]
    validator = RequestValidator(AUTH_TOKEN)
    assert validator.validate(request.url, request.params, signature)

    tampered = dict(request.params, CallStatus="completed")
    assert not validator.validate(request.url, tampered, signature)
    extra = dict(request.params, Injected="1")
    assert not validator.validate(request.url, extra, signature)
    other_url = request.url.replace("leg=provider", "leg=client")
    assert not validator.validate(other_url, request.params, signature)
    assert not RequestValidator("another-token").validate(request.url, request.params, signature)


def test_get_callbacks_sign_the_full_url(env: SimEnv) -> None:
    call = env.client.calls.create(
        to="+33600000004",
        from_=CALLER_ID,
        url=env.product.url("/voice", conf="get"),
        method="GET",
        status_callback=env.product.url("/status", leg="get"),
        status_callback_method="GET",
        status_callback_event=["initiated", "completed"],
    )
    env.wait_final(call.sid)
    voice = env.product.requests_to("/voice")
    status = env.product.requests_to("/status")
    assert [r.method for r in voice + status] == ["GET"] * 3
    for request in voice + status:
        assert request.signature_valid
        assert request.params["CallSid"] == call.sid  # parameters travel in the query
    assert [r["CallStatus"] for r in status] == ["initiated", "completed"]


def _full_call_requests(env: SimEnv, conf: str) -> list[Received]:
    call = env.call("+33600000005", conf=conf)
    env.wait_final(call.sid)
    env.conference_events(conf)
    return list(env.product.received)


def test_signing_with_the_secondary_auth_token(env: SimEnv) -> None:
    env.configure(signing="secondary_auth_token")
    received = _full_call_requests(env, "rotated")
    assert {r.path for r in received} == {"/voice", "/gather", "/status", "/conference-events"}
    secondary = RequestValidator(DEFAULT_SECONDARY_AUTH_TOKEN)
    for request in received:
        assert request.signed_with == "secondary_auth_token"
        assert secondary.validate(request.url, request.params, request.headers["X-Twilio-Signature"])
        assert not RequestValidator(AUTH_TOKEN).validate(
            request.url, request.params, request.headers["X-Twilio-Signature"]
        )
        assert SIGNATURE_SETTINGS_HEADER not in request.headers


def test_a_rotated_secondary_token_signs_and_authenticates(env: SimEnv) -> None:
    env.configure(secondary_auth_token="the-new-token", signing="secondary_auth_token")
    client = Client(ACCOUNT_SID, "the-new-token")
    client.api.base_url = env.sim.base_url  # REST accepts either token during a rotation
    call = client.calls.create(
        to="+33600000007", from_=CALLER_ID, twiml="<Response/>", status_callback=env.product.url("/status")
    )
    env.wait_final(call.sid)
    (status,) = env.product.requests_to("/status")
    assert status.signed_with is None  # the product app only knows the default secondary
    assert RequestValidator("the-new-token").validate(status.url, status.params, status.headers["X-Twilio-Signature"])


def test_signing_with_a_shared_key_and_hmac_sha256(env: SimEnv) -> None:
    env.configure(signing="shared_key")
    received = _full_call_requests(env, "shared")
    assert len({r.path for r in received}) == 4
    settings = f"key={DEFAULT_SHARED_KEY_SID},algorithm=HMAC_SHA256"
    for request in received:
        header = request.headers[SIGNATURE_SETTINGS_HEADER]
        assert header == settings
        assert get_signature_algorithm(header) == "HMAC_SHA256"
        signature = request.headers["X-Twilio-Signature"]
        shared = RequestValidator(DEFAULT_SHARED_KEY_SECRET)
        assert shared.validate(request.url, request.params, signature, algorithm="HMAC_SHA256")
        assert not shared.validate(request.url, request.params, signature)  # not HMAC-SHA1
        assert not RequestValidator(AUTH_TOKEN).validate(request.url, request.params, signature)
        assert request.signed_with == "shared_key"


def test_shared_key_sid_secret_and_algorithm_are_configurable(env: SimEnv) -> None:
    sid = "webhooks_sharedkey_01JTESTKEY0000000000000000"
    env.configure(
        signing="shared_key", shared_key_sid=sid, shared_key_secret="s3cret", shared_key_algorithm="HMAC_SHA1"
    )
    call = env.client.calls.create(
        to="+33600000007",
        from_=CALLER_ID,
        twiml="<Response/>",
        status_callback=env.product.url("/status"),
        status_callback_method="GET",
    )
    env.wait_final(call.sid)
    (status,) = env.product.requests_to("/status")
    assert status.headers[SIGNATURE_SETTINGS_HEADER] == f"key={sid},algorithm=HMAC_SHA1"
    assert RequestValidator("s3cret").validate(status.url, {}, status.headers["X-Twilio-Signature"])
    config = env.control("POST", "reset")
    assert (config["signing"], config["shared_key_sid"]) == ("auth_token", DEFAULT_SHARED_KEY_SID)


def test_invalid_signing_settings_are_refused(env: SimEnv) -> None:
    for bad in ({"signing": "api_key"}, {"shared_key_algorithm": "HMAC_MD5"}, {"shared_key_secret": ""}):
        response = requests.post(f"{env.sim.base_url}/_sim/config", json=bad, timeout=5)
        assert response.status_code == 400, bad
    assert env.control("GET", "config")["signing"] == "auth_token"
