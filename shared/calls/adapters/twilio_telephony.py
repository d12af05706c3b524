"""Twilio adapter: outbound calls with async AMD, hang-up, SMS, webhook signatures.

`twilio.rest` is imported lazily (cold start) and the client is created on first use.
`api_base` points the client at the local carrier simulator and is only honoured against the
emulators (see shared.kernel.config). Phone numbers never reach the logs unmasked.
"""

from __future__ import annotations

import logging
from typing import Any

from shared.calls.ports.telephony import CallCost, CallRecord, DialRequest, Telephony, TelephonyError
from shared.kernel.phone import masked

log = logging.getLogger(__name__)
UNBILLED_STATUSES = frozenset({"busy", "no-answer", "failed", "canceled"})


class TwilioTelephony(Telephony):
    def __init__(self, account_sid: str, auth_token: str, from_number: str, api_base: str | None = None) -> None:
        self._account_sid = account_sid
        self._auth_token = auth_token
        self._from = from_number
        self._api_base = api_base
        self._client: Any = None

    def _twilio(self) -> Any:
        if self._client is None:
            from twilio.http.http_client import TwilioHttpClient
            from twilio.rest import Client

            client = Client(self._account_sid, self._auth_token, http_client=TwilioHttpClient(timeout=10))
            if self._api_base:
                client.api.base_url = self._api_base
            self._client = client
        return self._client

    def place_call(self, request: DialRequest) -> str:
        call = self._call(
            "calls.create",
            lambda: self._twilio().calls.create(
                to=request.to,
                from_=self._from,
                url=request.answer_url,
                method="POST",
                status_callback=request.status_callback,
                status_callback_event=["initiated", "ringing", "answered", "completed"],
                status_callback_method="POST",
                machine_detection="Enable",
                async_amd="true",  # Twilio documents the strings true/false; the SDK would send "True"
                async_amd_status_callback=request.amd_callback,
                async_amd_status_callback_method="POST",
                timeout=request.timeout_seconds,
            ),
        )
        log.info("twilio call %s placed to %s", call.sid, masked(request.to))
        return str(call.sid)

    def hang_up(self, call_sid: str) -> None:
        self._call("calls.update", lambda: self._twilio().calls(call_sid).update(status="completed"))
        log.info("twilio call %s hung up", call_sid)

    def call_cost(self, call_sid: str) -> CallCost | None:
        from decimal import Decimal, InvalidOperation

        call = self._call("calls.fetch", lambda: self._twilio().calls(call_sid).fetch())
        currency = str(call.price_unit or "USD").lower()
        if call.price is None:
            # A call that never connected is not billed; a connected one is priced shortly after.
            return CallCost(0, currency) if call.status in UNBILLED_STATUSES else None
        try:
            return CallCost(int(abs(Decimal(str(call.price))) * 1_000_000), currency)
        except InvalidOperation:
            return None

    def call_record(self, call_sid: str) -> CallRecord:
        call = self._call("calls.fetch", lambda: self._twilio().calls(call_sid).fetch())
        return CallRecord(status=str(call.status), started_at=call.start_time, ended_at=call.end_time)

    def send_sms(self, to: str, body: str) -> str:
        message = self._call(
            "messages.create", lambda: self._twilio().messages.create(to=to, from_=self._from, body=body)
        )
        log.info("twilio sms %s sent to %s", message.sid, masked(to))
        return str(message.sid)

    def _call(self, operation: str, call: Any) -> Any:
        from twilio.base.exceptions import TwilioException, TwilioRestException

        try:
            return call()
        except TwilioRestException as exc:
            retryable = exc.status >= 500 or exc.status == 429
            raise TelephonyError(
                f"{operation}: twilio {exc.status} code {exc.code}", retryable=retryable, code=exc.code
            ) from exc
        except (TwilioException, OSError) as exc:
            raise TelephonyError(f"{operation}: {type(exc).__name__}", retryable=True) from exc


UNUSED_SECRET = "-"
"""The value of an optional signing secret that is not in use (a SecretParam must exist)."""


class TwilioSignature:
    """Checks `X-Twilio-Signature` against the configured public URL of the webhook.

    Without `X-Twilio-Webhooks-Signature-Settings`, Twilio signs with the account's auth token
    (HMAC-SHA1): the primary one, or the secondary one while the token is being rotated. With
    it, a Webhook Setting signs with its shared key and the header's algorithm (HMAC-SHA256)."""

    def __init__(self, auth_token: str, secondary_token: str = UNUSED_SECRET, shared_key: str = UNUSED_SECRET) -> None:
        self._tokens = [t for t in (auth_token, secondary_token) if t and t != UNUSED_SECRET]
        self._shared_key = shared_key if shared_key and shared_key != UNUSED_SECRET else None

    def valid(
        self, public_url: str, params: dict[str, str], signature: str | None, settings_header: str | None = None
    ) -> bool:
        from twilio.request_validator import RequestValidator, get_signature_algorithm

        if not signature:
            return False
        if settings_header:
            if self._shared_key is None:
                return False
            try:
                algorithm = get_signature_algorithm(settings_header)
                return bool(RequestValidator(self._shared_key).validate(public_url, params, signature, algorithm))
            except ValueError:
                return False  # an algorithm the SDK does not know
        return any(RequestValidator(token).validate(public_url, params, signature) for token in self._tokens)
