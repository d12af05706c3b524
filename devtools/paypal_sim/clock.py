"""Virtual clock and timeline: nothing happens by wall time.

The simulated PayPal moves only when told to: ``POST /_control/clock/advance``
runs :meth:`Timeline.advance`, which fires every timer that falls due within the
advanced span, in (due time, creation order), setting the clock to each timer's
due time while it runs. A timer may schedule further timers (an UNCLAIMED item
plans its return 30 days later, a failed webhook delivery plans its retry);
those fire in the same advance when they fall due inside it.

Timers carry their own guards: a timer whose work was already done by hand
(``POST /_control/items/{id}/settle``) finds nothing left to do.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar

Action = Callable[[], Awaitable[None]]
T = TypeVar("T")


def iso(moment: datetime) -> str:
    """PayPal's Internet date-time format: ``2016-02-18T20:01:35Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class VirtualClock:
    """Virtual seconds since :attr:`epoch`; only :meth:`move_to` changes them."""

    def __init__(self, epoch: datetime | None = None) -> None:
        start = epoch or datetime.now(UTC)
        self.epoch = start.astimezone(UTC).replace(microsecond=0)
        self._seconds = 0.0

    def now(self) -> float:
        return self._seconds

    def move_to(self, seconds: float) -> None:
        """Set the virtual time; it never goes backwards."""
        self._seconds = max(self._seconds, seconds)

    def wallclock(self, at: float | None = None) -> datetime:
        return self.epoch + timedelta(seconds=self._seconds if at is None else at)

    def timestamp(self, at: float | None = None) -> str:
        return iso(self.wallclock(at))

    def reset(self) -> None:
        self._seconds = 0.0


@dataclass(order=True)
class Timer:
    due: float
    order: int
    label: str = field(compare=False)
    action: Action = field(compare=False, repr=False)


class Timeline:
    """Timers on the virtual clock, fired only by :meth:`advance`."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self._heap: list[Timer] = []
        self._order = itertools.count()
        self._lock = asyncio.Lock()

    def schedule(self, delay: float, label: str, action: Action) -> Timer:
        timer = Timer(self.clock.now() + max(0.0, delay), next(self._order), label, action)
        heapq.heappush(self._heap, timer)
        return timer

    async def advance(self, seconds: float) -> list[dict[str, str]]:
        """Move the clock ``seconds`` forward, firing what falls due; returns the timers fired."""
        async with self._lock:
            target = self.clock.now() + seconds
            fired: list[dict[str, str]] = []
            while self._heap and self._heap[0].due <= target:
                timer = heapq.heappop(self._heap)
                self.clock.move_to(timer.due)
                fired.append({"timer": timer.label, "at": self.clock.timestamp()})
                await timer.action()
            self.clock.move_to(target)
            return fired

    async def run_now(self, work: Callable[[], Awaitable[T]]) -> T:
        """Run ``work`` (a settle, a replay) without interleaving with an advance."""
        async with self._lock:
            return await work()

    def pending(self) -> list[dict[str, str]]:
        return [{"timer": t.label, "due": self.clock.timestamp(t.due)} for t in sorted(self._heap)]

    def clear(self) -> None:
        self._heap.clear()
