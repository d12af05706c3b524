"""Fault switches and run-time settings, changed through ``POST /_sim/config``."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

REST_FAULTS = ("none", "error500", "timeout")
CALLBACK_MODES = ("normal", "drop", "duplicate", "shuffle", "drop_after_conference_start")
DELIVERY_MODES = ("serial", "parallel")
SIGNING_MODES = ("auth_token", "secondary_auth_token", "shared_key")
SIGNATURE_ALGORITHMS = ("HMAC_SHA256", "HMAC_SHA1")
#: permanent errors ``POST Calls.json`` can be told to answer for a number
PERMANENT_CALL_ERRORS = (21210, 21211, 21215, 21219)
DEFAULT_SECONDARY_AUTH_TOKEN = "local-twilio-secondary-auth-token"
DEFAULT_SHARED_KEY_SID = "webhooks_sharedkey_01JLOCALSIMSHAREDKEY000000"
DEFAULT_SHARED_KEY_SECRET = "local-twilio-shared-key-secret"
#: built-in price of a started minute of an outbound call to a French mobile, per currency
RATES = {"USD": Decimal("0.0450"), "EUR": Decimal("0.0415"), "GBP": Decimal("0.0355")}
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_NUMBER = re.compile(r"^\+[1-9]\d{6,14}$")


class ConfigError(ValueError):
    """An invalid ``/_sim/config`` request."""


@dataclass
class SimConfig:
    #: none | error500 | timeout — applies to the Twilio REST API only.
    rest_fault: str = "none"
    #: real seconds a REST request is held when ``rest_fault`` is ``timeout``;
    #: afterwards the request is processed normally (a slow, not a lost, request).
    rest_fault_hold_seconds: float = 20.0
    #: how many REST requests the fault hits before switching back to
    #: ``none``; ``None`` = until changed.
    rest_fault_count: int | None = None
    #: number (``To`` or ``From``) -> permanent Twilio error code answered to
    #: ``POST Calls.json``, on top of the built-in numbers (see rest_calls.py).
    call_errors: dict[str, int] = field(default_factory=dict)
    #: normal | drop | duplicate | shuffle | drop_after_conference_start — status,
    #: conference, AMD and message status callbacks (not TwiML fetches or Gather/Dial
    #: actions). ``drop_after_conference_start`` sends them normally up to the first
    #: ``conference-start`` emitted in that mode, then loses every one (a product that
    #: stops hearing from Twilio mid-call, at a point that does not depend on timing).
    callbacks: str = "normal"
    #: seed for ``shuffle`` and for the ``parallel`` jitter; ``None`` delivers
    #: the buffered callbacks reversed (shuffle) and draws the jitter at random.
    shuffle_seed: int | None = None
    #: serial: one callback at a time per owner (a call, a room, a message);
    #: parallel: every callback is its own request, sent at once (as Twilio does).
    delivery: str = "serial"
    #: parallel delivery: each callback waits a random 0..this many real seconds
    #: before it is sent, so callbacks emitted together arrive in any order.
    parallel_jitter_seconds: float = 0.05
    #: in every conference, the callback with this ``SequenceNumber`` is recorded
    #: as dropped and never sent (unless it is ``conference-end``); ``None`` = off.
    drop_conference_sequence: int | None = None
    #: real seconds before a webhook (TwiML or callback) request times out.
    webhook_timeout: float = 15.0
    #: real seconds allowed to open the connection (Twilio: 5 s).
    webhook_connect_timeout: float = 5.0
    #: real seconds before the one retry of a callback whose connection failed
    #: (Twilio retries once, within 15 s, on connection failures only).
    connection_retry_seconds: float = 1.0
    #: participants needed (one with startConferenceOnEnter) before a
    #: conference starts. Twilio: 2 ("conferences will not start until at
    #: least two participants join").
    conference_start_min_participants: int = 2
    #: virtual seconds after a connected call ends before Twilio prices it (``price``
    #: stays null until then; Twilio prices calls shortly after they end).
    price_delay_seconds: float = 30.0
    #: currency of the calls' ``price`` (``price_unit``), fixed when a call ends.
    price_unit: str = "USD"
    #: price of a started minute in ``price_unit``; ``None`` = the built-in rate (RATES).
    price_per_minute: str | None = None
    #: which secret signs the webhooks: the primary auth token, the secondary
    #: auth token (token rotation) or a Webhook Setting's shared key.
    signing: str = "auth_token"
    secondary_auth_token: str = DEFAULT_SECONDARY_AUTH_TOKEN
    shared_key_sid: str = DEFAULT_SHARED_KEY_SID
    shared_key_secret: str = DEFAULT_SHARED_KEY_SECRET
    shared_key_algorithm: str = "HMAC_SHA256"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def update(self, changes: dict[str, Any]) -> None:
        """Validate every change first, then apply them all."""
        staged = dict(asdict(self))
        for key, value in changes.items():
            if key not in staged:
                raise ConfigError(f"unknown setting {key!r}")
            staged[key] = _check(key, value)
        if staged["price_per_minute"] is None and staged["price_unit"] not in RATES:
            raise ConfigError(f"price_unit {staged['price_unit']} has no built-in rate: set price_per_minute too")
        for key, value in staged.items():
            setattr(self, key, value)

    def take_rest_fault(self) -> str:
        """The fault for the current REST request, consuming one use."""
        fault = self.rest_fault
        if fault != "none" and self.rest_fault_count is not None:
            self.rest_fault_count -= 1
            if self.rest_fault_count <= 0:
                self.rest_fault = "none"
                self.rest_fault_count = None
        return fault


_CHOICES = {
    "rest_fault": REST_FAULTS,
    "callbacks": CALLBACK_MODES,
    "delivery": DELIVERY_MODES,
    "signing": SIGNING_MODES,
    "shared_key_algorithm": SIGNATURE_ALGORITHMS,
}
_NUMBERS = (
    "rest_fault_hold_seconds",
    "webhook_timeout",
    "price_delay_seconds",
    "parallel_jitter_seconds",
)
_SECRETS = ("secondary_auth_token", "shared_key_sid", "shared_key_secret")


def _check(key: str, value: Any) -> Any:
    if key in _CHOICES:
        return _choice(key, value, _CHOICES[key])
    if key in _NUMBERS:
        return _number(key, value, minimum=0.0)
    if key in ("webhook_connect_timeout", "connection_retry_seconds"):
        number = _number(key, value, minimum=0.0)
        if number > 15:
            raise ConfigError(f"{key} must be at most 15 seconds")
        return number
    if key in _SECRETS:
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{key} must be a non-empty string")
        return value
    if key == "conference_start_min_participants":
        return _integer(key, value, minimum=1)
    if key in ("rest_fault_count", "drop_conference_sequence"):
        return None if value is None else _integer(key, value, minimum=1)
    if key == "shuffle_seed":
        return None if value is None else _integer(key, value, minimum=None)
    if key == "price_unit":
        if not isinstance(value, str) or not _CURRENCY.match(value):
            raise ConfigError("price_unit must be an ISO 4217 code in capitals, e.g. EUR")
        return value
    if key == "price_per_minute":
        return None if value is None else _decimal(key, value)
    if key == "call_errors":
        return _call_errors(value)
    raise ConfigError(f"unknown setting {key!r}")  # pragma: no cover


def _choice(key: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ConfigError(f"{key} must be one of {allowed}")
    return str(value)


def _number(key: str, value: Any, minimum: float) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value < minimum:
        raise ConfigError(f"{key} must be a number >= {minimum}")
    return float(value)


def _integer(key: str, value: Any, minimum: int | None) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ConfigError(f"{key} must be an integer")
    if minimum is not None and value < minimum:
        raise ConfigError(f"{key} must be >= {minimum}")
    return value


def _decimal(key: str, value: Any) -> str:
    try:
        amount = Decimal(str(value)) if isinstance(value, (str, int, float)) else None
    except InvalidOperation:
        amount = None
    if amount is None or isinstance(value, bool) or not amount.is_finite() or amount < 0:
        raise ConfigError(f"{key} must be a decimal >= 0 (a string such as '0.0450') or null")
    return str(amount)


def _call_errors(value: Any) -> dict[str, int]:
    if not isinstance(value, dict):
        raise ConfigError("call_errors must be an object mapping an E.164 number to an error code")
    for number, code in value.items():
        if not _NUMBER.match(str(number)):
            raise ConfigError(f"call_errors: {number!r} is not an E.164 number")
        if code not in PERMANENT_CALL_ERRORS or isinstance(code, bool):
            raise ConfigError(f"call_errors: the code for {number} must be one of {PERMANENT_CALL_ERRORS}")
    return {str(number): int(code) for number, code in value.items()}
