"""Every webhook is signed exactly as Twilio signs it."""

from __future__ import annotations

from twilio.request_validator import RequestValidator
from twilio_sim_support import (
    AUTH_TOKEN,
    CALLER_ID,
    SimEnv,
    env_fixture,  # noqa: F401
    product_app_fixture,  # noqa: F401
    sim_server_fixture,  # noqa: F401
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
