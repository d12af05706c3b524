"""Fault switches and run-time settings, changed through ``POST /_sim/config``."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

REST_FAULTS = ("none", "error500", "timeout")
CALLBACK_MODES = ("normal", "drop", "duplicate", "shuffle")


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
    #: normal | drop | duplicate | shuffle — status, conference and message
    #: status callbacks (not TwiML fetches, Gather actions or AMD callbacks).
    callbacks: str = "normal"
    #: seed for ``shuffle``; ``None`` delivers the buffered callbacks reversed.
    shuffle_seed: int | None = None
    #: real seconds before a webhook (TwiML or callback) request times out.
    webhook_timeout: float = 15.0
    #: participants needed (one with startConferenceOnEnter) before a
    #: conference starts. Twilio: 2 ("conferences will not start until at
    #: least two participants join").
    conference_start_min_participants: int = 2
    #: virtual seconds after a connected call ends before Twilio prices it (``price``
    #: stays null until then; Twilio prices calls shortly after they end).
    price_delay_seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def update(self, changes: dict[str, Any]) -> None:
        """Validate every change first, then apply them all."""
        staged = dict(asdict(self))
        for key, value in changes.items():
            if key not in staged:
                raise ConfigError(f"unknown setting {key!r}")
            staged[key] = _check(key, value)
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


def _check(key: str, value: Any) -> Any:
    if key == "rest_fault":
        return _choice(key, value, REST_FAULTS)
    if key == "callbacks":
        return _choice(key, value, CALLBACK_MODES)
    if key in ("rest_fault_hold_seconds", "webhook_timeout", "price_delay_seconds"):
        return _number(key, value, minimum=0.0)
    if key == "conference_start_min_participants":
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ConfigError(f"{key} must be an integer >= 1")
        return value
    if key in ("rest_fault_count", "shuffle_seed"):
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConfigError(f"{key} must be an integer or null")
        if key == "rest_fault_count" and value < 1:
            raise ConfigError(f"{key} must be >= 1")
        return value
    raise ConfigError(f"unknown setting {key!r}")  # pragma: no cover


def _choice(key: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ConfigError(f"{key} must be one of {allowed}")
    return str(value)


def _number(key: str, value: Any, minimum: float) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value < minimum:
        raise ConfigError(f"{key} must be a number >= {minimum}")
    return float(value)
