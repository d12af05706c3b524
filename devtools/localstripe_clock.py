"""localstripe's notion of now, and a local control to move it forward.

Every `time.time()` inside localstripe.resources (object `created`, periods, invoice dates, events)
reads this clock. `POST /_test/clock/advance` moves it forward and processes, in time order, what
becomes due on the way (trial ends, renewals, payment retries, cancellations at period end): see
`localstripe_renewals.next_due`. Nothing is processed while real time merely passes.
Stripe's own test clocks (`/v1/test_helpers/test_clocks`) are not implemented: this one clock is
global and `DELETE /_config/data` resets it (and forgets the webhook endpoints).
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable
from typing import Any

from localstripe import resources
from localstripe.errors import UserError
from localstripe.resources import Store

from devtools.localstripe_billing import JsonAnswer, as_int, set_route, unexpected

MAX_STEPS = 5000


class Clock:
    def __init__(self) -> None:
        self.offset = 0.0
        self.pinned: int | None = None

    def time(self) -> float:
        return float(self.pinned) if self.pinned is not None else _time.time() + self.offset

    def now(self) -> int:
        return int(self.time())

    def reset(self) -> None:
        self.offset = 0.0
        self.pinned = None


clock = Clock()


def now() -> int:
    return clock.now()


class _TimeModule:
    """What localstripe.resources sees as its `time` module."""

    def __getattr__(self, name: str) -> Any:
        return getattr(_time, name)

    def time(self) -> float:
        return clock.time()


Due = tuple[int, Callable[[], Any]]
DueSource = Callable[[int], Due | None]
_due_sources: list[DueSource] = []


def add_due_source(source: DueSource) -> None:
    """What falls due as the clock moves (renewals, trial ends...): the resource that owns it
    registers it, so the clock imports none of them."""
    if source not in _due_sources:
        _due_sources.append(source)


def _next_due(target: int) -> Due | None:
    due = [found for source in _due_sources if (found := source(target)) is not None]
    return min(due, key=lambda item: item[0]) if due else None


def advance_to(target: int) -> int:
    steps = 0
    try:
        while steps < MAX_STEPS:
            due = _next_due(target)
            if due is None:
                break
            when, action = due
            clock.pinned = max(when, clock.now())
            action()
            steps += 1
    finally:
        clock.pinned = None
        clock.offset = max(clock.offset, target - _time.time())
    return steps


def _advance(seconds: Any = None, to: Any = None, **kwargs: Any) -> JsonAnswer:
    unexpected(kwargs)
    if (seconds is None) == (to is None):
        raise UserError(400, "Give either seconds or to")
    target = now() + as_int(seconds, "seconds", 0) if seconds is not None else as_int(to, "to")
    if target < now():
        raise UserError(400, "The clock only moves forward")
    steps = advance_to(target)
    return JsonAnswer({"object": "local_clock", "now": now(), "offset": int(clock.offset), "processed": steps})


def _get(**kwargs: Any) -> JsonAnswer:
    return JsonAnswer({"object": "local_clock", "now": now(), "offset": int(clock.offset)})


def _clear(self: Store) -> None:
    from devtools.localstripe_billing import forget_webhooks

    dict.clear(self)
    clock.reset()
    forget_webhooks()


def register() -> None:
    resources.time = _TimeModule()
    Store.clear = _clear  # type: ignore[method-assign]
    set_route("POST", "/_test/clock/advance", _advance)
    set_route("GET", "/_test/clock", _get)
