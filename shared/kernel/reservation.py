"""Reservations: one request at a time does what must happen once (create a card hold, a Stripe
customer, a subscription purchase).

A request takes the reservation in a transaction, with a lease, then calls the provider outside
it; the lease ends by itself if that request dies, so another can take over. A concurrent request
meanwhile waits for the holder's result (or is refused)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from shared.kernel.clock import Clock

T = TypeVar("T")
LEASE_FIELD = "leaseUntil"


def leased(reservation: Mapping[str, Any] | None, now: datetime) -> bool:
    """Whether another request holds the reservation right now."""
    until = (reservation or {}).get(LEASE_FIELD)
    return isinstance(until, datetime) and until > now


def wait_for(check: Callable[[], T | None], *, clock: Clock, seconds: float, step: float) -> T | None:
    """Ask `check` every `step` seconds of `clock` until it answers (not None), for at most
    `seconds`; None when it never did. The first check comes one step after the call: the
    caller has just seen the reservation held."""
    from tenacity import RetryError, Retrying, retry_if_result, stop_after_attempt, wait_fixed

    retrying = Retrying(
        sleep=clock.sleep,
        wait=wait_fixed(step),
        stop=stop_after_attempt(max(1, int(seconds / step))),
        retry=retry_if_result(lambda answer: answer is None),
        before=lambda state: clock.sleep(step) if state.attempt_number == 1 else None,
    )
    try:
        return retrying(check)
    except RetryError:
        return None
