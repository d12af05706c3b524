"""Fault switches, set through ``POST /_control/faults``.

* ``next_5xx``: the next *n* calls under ``/v1/payments/`` answer ``500
  INTERNAL_SERVER_ERROR`` before doing anything (no payout is created).
* ``next_timeout_seconds``: the next call under ``/v1/payments/`` is carried out
  (a payout *is* created), then its answer is held that many real seconds, so
  the client gives up without knowing the outcome — the case a retry with the
  same ``sender_batch_id`` must survive.
* ``item_outcome``: every item of the next payout created ends that way
  instead of ``SUCCESS`` (see lifecycle.py); it then switches back to ``null``.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import asdict, dataclass
from typing import Any

ITEM_OUTCOMES = ("FAILED", "RETURNED", "BLOCKED", "DENIED", "REFUNDED", "REVERSED", "UNCLAIMED")


class FaultError(ValueError):
    """An invalid ``/_control/faults`` request."""


@dataclass
class Faults:
    next_5xx: int = 0
    next_timeout_seconds: float | None = None
    item_outcome: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def update(self, changes: dict[str, Any]) -> None:
        """Validate every change, then apply them all."""
        staged = self.to_json()
        for key, value in changes.items():
            if key == "next_5xx":
                if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                    raise FaultError("next_5xx must be an integer >= 0")
            elif key == "next_timeout_seconds":
                if value is not None and (
                    not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 < value <= 120
                ):
                    raise FaultError("next_timeout_seconds must be a number of seconds in (0, 120], or null")
                value = None if value is None else float(value)
            elif key == "item_outcome":
                if value is not None and value not in ITEM_OUTCOMES:
                    raise FaultError(f"item_outcome must be one of {', '.join(ITEM_OUTCOMES)}, or null")
            else:
                raise FaultError(f"unknown fault {key!r}")
            staged[key] = value
        for key, value in staged.items():
            setattr(self, key, value)

    def take_rest_fault(self) -> tuple[str | None, float]:
        """The fault for the current ``/v1/payments/`` call, consuming it."""
        if self.next_5xx > 0:
            self.next_5xx -= 1
            return "5xx", 0.0
        if self.next_timeout_seconds is not None:
            seconds, self.next_timeout_seconds = self.next_timeout_seconds, None
            return "timeout", seconds
        return None, 0.0

    def take_item_outcome(self) -> str | None:
        outcome, self.item_outcome = self.item_outcome, None
        return outcome


class Holds:
    """Answers held by the timeout fault; a reset or shutdown releases them at once."""

    def __init__(self) -> None:
        self._release: asyncio.Event | None = None

    async def hold(self, seconds: float) -> None:
        if self._release is None:
            self._release = asyncio.Event()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._release.wait(), timeout=seconds)

    def release_all(self) -> None:
        if self._release is not None:
            self._release.set()
            self._release = None
