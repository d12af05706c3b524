import base64
import os
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.calls.adapters.phone_crypto import AesGcmPhoneVault, InvalidKey
from shared.calls.adapters.twiml import render
from shared.calls.domain.call_script import AskForDigit, CallScript, HangUp, JoinConference, Say
from shared.calls.domain.ivr import prompt
from shared.kernel.errors import InvalidArgument
from shared.kernel.phone import masked, parse_e164

KEY = base64.b64encode(bytes(range(32))).decode()
OTHER_KEY = base64.b64encode(bytes(range(1, 33))).decode()


# --- E.164 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("+33612345678", "+33612345678"),
        (" +33 6 12 34 56 78 ", "+33612345678"),
        ("+1 (415) 555-2671", "+14155552671"),
        ("+44 7911 123456", "+447911123456"),
        ("+49 151 23456789", "+4915123456789"),
        ("+351 912 345 678", "+351912345678"),
        ("+34612345678", "+34612345678"),
    ],
)
def test_valid_numbers_are_normalised_to_e164(raw: str, e164: str) -> None:
    assert parse_e164(raw, "clientPhone") == e164


@pytest.mark.parametrize(
    "raw",
    [
        None,
        33612345678,
        "",
        "   ",
        "0612345678",  # national format: no country code
        "0033612345678",
        "+",
        "+33",
        "+33 6 12",
        "+336123456789012345",
        "+999 123456789",  # no such country code
        "+33 6 12 34 56 7a",
        "phone",
    ],
)
def test_invalid_numbers_are_refused_naming_the_field(raw: object) -> None:
    with pytest.raises(InvalidArgument) as raised:
        parse_e164(raw, "clientPhone")
    assert raised.value.field == "clientPhone"
    assert raised.value.message.startswith("clientPhone: ")


def test_masked_numbers_show_at_most_the_last_two_digits() -> None:
    assert masked("+33612345678") == "+33•••••78"
    assert "1234" not in masked("+33612345678")
    assert masked("+331") == "•••"


# --- phone vault ---------------------------------------------------------------------------------


def test_vault_round_trip() -> None:
    vault = AesGcmPhoneVault(KEY)
    sealed = vault.seal("+33612345678")
    assert sealed.startswith("v1:")
    assert "612345678" not in sealed
    assert vault.open(sealed) == "+33612345678"
    assert AesGcmPhoneVault(KEY).open(sealed) == "+33612345678", "another instance with the same key opens it"


@settings(max_examples=50)
@given(st.from_regex(r"\+[1-9][0-9]{6,14}", fullmatch=True))
def test_vault_round_trip_any_number(number: str) -> None:
    vault = AesGcmPhoneVault(KEY)
    assert vault.open(vault.seal(number)) == number


def test_the_same_number_seals_differently_every_time() -> None:
    vault = AesGcmPhoneVault(KEY)
    sealed = {vault.seal("+33612345678") for _ in range(20)}
    assert len(sealed) == 20


def test_a_number_sealed_with_another_key_does_not_open() -> None:
    sealed = AesGcmPhoneVault(OTHER_KEY).seal("+33612345678")
    with pytest.raises(ValueError, match="another key"):
        AesGcmPhoneVault(KEY).open(sealed)


def _tampered(sealed: str, index: int) -> str:
    raw = bytearray(base64.b64decode(sealed[3:]))
    raw[index] ^= 0x01
    return "v1:" + base64.b64encode(bytes(raw)).decode()


@pytest.mark.parametrize("index", [0, 11, 12, 20, -1])  # nonce, ciphertext and tag bytes
def test_a_tampered_number_does_not_open(index: int) -> None:
    vault = AesGcmPhoneVault(KEY)
    with pytest.raises(ValueError):
        vault.open(_tampered(vault.seal("+33612345678"), index))


@pytest.mark.parametrize("sealed", ["+33612345678", "v2:abcd", "v1:", "v1:" + base64.b64encode(b"short").decode()])
def test_what_is_not_a_sealed_number_does_not_open(sealed: str) -> None:
    with pytest.raises(ValueError):
        AesGcmPhoneVault(KEY).open(sealed)


@pytest.mark.parametrize(
    "key",
    [
        base64.b64encode(os.urandom(16)).decode(),  # AES-128 is not accepted
        base64.b64encode(os.urandom(31)).decode(),
        base64.b64encode(os.urandom(33)).decode(),
        "",
        "not base64!",
    ],
)
def test_a_key_that_is_not_32_base64_bytes_is_rejected(key: str) -> None:
    with pytest.raises(InvalidKey):
        AesGcmPhoneVault(key)


# --- TwiML -------------------------------------------------------------------------------------------


def _xml(script: CallScript) -> ET.Element:
    text = render(script)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(text)
    assert root.tag == "Response"
    return root


def test_say_renders_in_the_listener_voice() -> None:
    [say] = _xml(CallScript((Say(prompt("connecting", "fr")),)))
    assert (say.tag, say.attrib, say.text) == ("Say", {"language": "fr-FR"}, prompt("connecting", "fr").text)


def test_ask_for_digit_renders_a_one_digit_gather_posting_to_the_action() -> None:
    action = "https://example.test/twilioGatherResponse?callSessionId=s1&party=provider&attempt=2"
    [gather] = _xml(CallScript((AskForDigit(prompt("provider_offer", "de"), action, timeout_seconds=7),)))
    assert gather.tag == "Gather"
    assert gather.attrib == {"action": action, "method": "POST", "numDigits": "1", "timeout": "7"}
    [say] = gather
    assert (say.tag, say.attrib["language"], say.text) == ("Say", "de-DE", prompt("provider_offer", "de").text)


@pytest.mark.parametrize(("start", "end"), [(True, True), (False, True), (True, False)])
def test_join_conference_renders_a_dial_with_the_conference_callbacks(start: bool, end: bool) -> None:
    step = JoinConference("s1", "https://example.test/conf?callSessionId=s1", start, end, 1500)
    [dial] = _xml(CallScript((step,)))
    assert (dial.tag, dial.attrib) == ("Dial", {"timeLimit": "1500"})
    [conference] = dial
    assert conference.tag == "Conference" and conference.text == "s1"
    assert conference.attrib == {
        "beep": "false",
        "startConferenceOnEnter": str(start).lower(),
        "endConferenceOnExit": str(end).lower(),
        "statusCallback": "https://example.test/conf?callSessionId=s1",
        "statusCallbackEvent": "start end join leave",
        "statusCallbackMethod": "POST",
    }


def test_hang_up_renders_hangup_and_steps_keep_their_order() -> None:
    script = CallScript(
        (AskForDigit(prompt("client_offer", "pt"), "https://a.test/g"), Say(prompt("no_input", "pt")), HangUp())
    )
    assert [element.tag for element in _xml(script)] == ["Gather", "Say", "Hangup"]
    assert _xml(CallScript(())).tag == "Response"
