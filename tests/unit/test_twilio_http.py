"""Our Twilio callback URLs: verified, then their query validated before any handler runs."""

from urllib.parse import urlencode

import pytest
from flask import Request
from werkzeug.test import EnvironBuilder

from shared.calls.services.sessions import CallbackUrls
from shared.entry.twilio_http import TwilioRequest, handle_twilio_webhook

BASE = "https://europe-west3-demo.cloudfunctions.net"


def _request(query: dict[str, str]) -> Request:
    builder = EnvironBuilder(method="POST", query_string=urlencode(query), data={"CallSid": "CA1"})
    return Request(builder.get_environ())


def _handle(query: dict[str, str], *, needs_party: bool = True, ok: bool = True) -> tuple[int, list[TwilioRequest]]:
    seen: list[TwilioRequest] = []

    def handler(call: TwilioRequest) -> None:
        seen.append(call)

    response = handle_twilio_webhook(
        _request(query),
        public_url_base=BASE,
        function_name="twilioCallWebhook",
        signature_ok=lambda url, params, signature, settings: ok,
        handler=handler,
        needs_party=needs_party,
    )
    return response.status_code, seen


def test_the_urls_we_give_twilio_are_read_back() -> None:
    url = CallbackUrls(BASE).status("s1", "provider", 2)
    query = dict(pair.split("=") for pair in url.split("?", 1)[1].split("&"))
    assert query == {"callSessionId": "s1", "party": "provider", "attempt": "2"}
    status, seen = _handle(query)
    assert status == 200 and seen == [TwilioRequest("s1", "provider", 2, {"CallSid": "CA1"})]


def test_a_call_placed_before_the_rename_still_reaches_its_session() -> None:
    status, seen = _handle({"sessionId": "s1", "party": "client", "attempt": "1"})
    assert status == 200 and seen[0].call_session_id == "s1"


def test_a_conference_url_needs_no_party() -> None:
    status, seen = _handle({"callSessionId": "s1"}, needs_party=False)
    assert status == 200 and (seen[0].party, seen[0].attempt) == ("", 0)


@pytest.mark.parametrize(
    "query",
    [
        {"party": "provider", "attempt": "1"},
        {"callSessionId": "s/1", "party": "provider", "attempt": "1"},
        {"callSessionId": "s1", "party": "caller", "attempt": "1"},
        {"callSessionId": "s1", "party": "provider", "attempt": "x"},
        {"callSessionId": "s1", "party": "provider", "attempt": "-1"},
        {"callSessionId": "s1", "party": "provider"},
        {"callSessionId": "s1", "attempt": "1"},
    ],
)
def test_a_malformed_query_is_refused_before_any_handler(query: dict[str, str]) -> None:
    assert _handle(query) == (400, [])


def test_a_bad_signature_is_refused_before_the_query_is_read() -> None:
    assert _handle({"callSessionId": "s1", "party": "provider", "attempt": "1"}, ok=False) == (403, [])
