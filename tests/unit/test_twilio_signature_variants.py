"""Twilio signatures during a token rotation and with a Webhook Setting's shared key (issue 10, item 8)."""

from twilio.request_validator import RequestValidator

from shared.calls.adapters.twilio_telephony import TwilioSignature

URL = "https://europe-west3-demo.cloudfunctions.net/twilioCallWebhook?callSessionId=s1&party=provider&attempt=1"
PARAMS = {"CallSid": "CA1", "CallStatus": "completed"}
SHA256_SETTINGS = "key=webhooks_sharedkey_01ABC,algorithm=HMAC_SHA256"


def _signed(secret: str, algorithm: str | None = None) -> str:
    return str(RequestValidator(secret).compute_signature(URL, PARAMS, algorithm=algorithm))


def test_the_primary_and_the_secondary_auth_tokens_both_sign_during_a_rotation() -> None:
    checker = TwilioSignature("primary", "secondary")
    assert checker.valid(URL, PARAMS, _signed("primary"))
    assert checker.valid(URL, PARAMS, _signed("secondary"))
    assert not checker.valid(URL, PARAMS, _signed("someone-else"))
    assert not TwilioSignature("primary").valid(URL, PARAMS, _signed("secondary"))  # "-": not in use


def test_a_shared_key_signature_is_checked_with_the_algorithm_its_header_names() -> None:
    checker = TwilioSignature("primary", shared_key="shared-secret")
    assert checker.valid(URL, PARAMS, _signed("shared-secret", "HMAC_SHA256"), SHA256_SETTINGS)
    assert not checker.valid(URL, PARAMS, _signed("shared-secret", "HMAC_SHA1"), SHA256_SETTINGS)
    assert not checker.valid(URL, PARAMS, _signed("primary", "HMAC_SHA256"), SHA256_SETTINGS)
    assert not checker.valid(URL, PARAMS, _signed("primary"), SHA256_SETTINGS)  # the header decides


def test_a_shared_key_header_without_a_configured_key_or_with_an_unknown_algorithm_is_refused() -> None:
    assert not TwilioSignature("primary").valid(URL, PARAMS, _signed("primary", "HMAC_SHA256"), SHA256_SETTINGS)
    checker = TwilioSignature("primary", shared_key="shared-secret")
    assert not checker.valid(URL, PARAMS, _signed("shared-secret"), "key=k,algorithm=HMAC_MD5")
    assert not checker.valid(URL, PARAMS, None)
