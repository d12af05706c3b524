"""Fault switches, set through ``POST /_control/faults``.

* ``next_5xx: n`` — the next ``n`` Wise API requests (anything outside ``/_control``)
  answer ``500`` with Wise's system-error body and do nothing: the request was lost
  before Wise handled it.
* ``next_timeout_seconds: s`` — the next Wise API request is handled normally (a transfer
  *is* created, a payment *is* made) but its answer is held ``s`` real seconds, so a
  client with a shorter timeout gives up without knowing: the case idempotency is for.
* ``bounce_next_transfer: true`` — the next transfer funded bounces:
  ``funds_converted → bounced_back → funds_refunded`` instead of ``outgoing_payment_sent``.
* ``deliver_out_of_order: true`` — a transfer's webhooks are held until it rests (no step
  left to run) and are then sent newest first. Stays on until turned off or reset.

Changes are validated as a whole before any applies.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

MAX_TIMEOUT_SECONDS = 120.0


class FaultError(ValueError):
    """An invalid ``/_control/faults`` body."""


@dataclass
class Faults:
    next_5xx: int = 0
    next_timeout_seconds: float = 0.0
    bounce_next_transfer: bool = False
    deliver_out_of_order: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def update(self, changes: dict[str, Any]) -> None:
        staged = asdict(self)
        for key, value in changes.items():
            if key not in staged:
                raise FaultError(f"unknown fault {key!r}; known: {sorted(staged)}")
            staged[key] = _check(key, value)
        for key, value in staged.items():
            setattr(self, key, value)

    def take_5xx(self) -> bool:
        """Whether the current API request fails with a 500 (consumes one)."""
        if self.next_5xx <= 0:
            return False
        self.next_5xx -= 1
        return True

    def take_timeout(self) -> float:
        """Real seconds to hold the current API request's answer (consumes the fault)."""
        seconds, self.next_timeout_seconds = self.next_timeout_seconds, 0.0
        return seconds

    def take_bounce(self) -> bool:
        bounce, self.bounce_next_transfer = self.bounce_next_transfer, False
        return bounce


def _check(key: str, value: Any) -> Any:
    if key in ("bounce_next_transfer", "deliver_out_of_order"):
        if not isinstance(value, bool):
            raise FaultError(f"{key} must be true or false")
        return value
    if key == "next_5xx":
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise FaultError("next_5xx must be an integer >= 0")
        return value
    number_ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not number_ok or not 0 <= value <= MAX_TIMEOUT_SECONDS:
        raise FaultError(f"next_timeout_seconds must be a number of seconds from 0 to {MAX_TIMEOUT_SECONDS:g}")
    return float(value)
