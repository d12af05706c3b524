"""A virtual clock that only moves when told to, and the steps scheduled on it.

Wise moves a funded transfer through its states over minutes or days; here time
stands still until ``POST /_control/clock/advance`` moves it. Every scheduled step
(a transfer's next state, an unfunded transfer's automatic cancellation) has a due
virtual second. :meth:`VirtualClock.advance` hands back the steps that fall due in
the window, in the order (due time, creation order), having set the clock to each
step's due time before it runs, so a step scheduled by an earlier one in the same
window also runs, and every ``occurred_at`` is the step's own due time.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta


def iso_z(moment: datetime) -> str:
    """``2020-01-01T12:34:56Z``: webhooks' ``occurred_at``/``sent_at`` and quotes' times."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def wise_datetime(moment: datetime) -> str:
    """``2018-08-28 07:43:55``: a transfer's ``created``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


@dataclass(order=True)
class Step:
    """Something due at virtual second ``due``; ``run`` is called when it falls due."""

    due: float
    order: int
    key: str = field(compare=False)
    run: Callable[[], None] = field(compare=False, repr=False)
    cancelled: bool = field(default=False, compare=False)


class VirtualClock:
    """Virtual seconds since :attr:`epoch`; starts at 0 and moves only on :meth:`advance`."""

    def __init__(self, epoch: datetime | None = None) -> None:
        self._fixed_epoch = epoch
        self.epoch = self._new_epoch()
        self._now = 0.0
        self._heap: list[Step] = []
        self._order = itertools.count()

    def _new_epoch(self) -> datetime:
        start = self._fixed_epoch or datetime.now(UTC)
        return start.astimezone(UTC).replace(microsecond=0)

    def now(self) -> float:
        return self._now

    def wallclock(self, at: float | None = None) -> datetime:
        return self.epoch + timedelta(seconds=self._now if at is None else at)

    # -- scheduling -------------------------------------------------------------
    def schedule(self, delay: float, key: str, run: Callable[[], None]) -> Step:
        """Run ``run`` ``delay`` virtual seconds from now; ``key`` names it (a transfer id)."""
        step = Step(self._now + max(0.0, delay), next(self._order), key, run)
        heapq.heappush(self._heap, step)
        return step

    def pending(self, key: str | None = None) -> list[Step]:
        return sorted(s for s in self._heap if not s.cancelled and (key is None or s.key == key))

    def cancel(self, key: str) -> None:
        for step in self._heap:
            if step.key == key:
                step.cancelled = True

    def advance(self, seconds: float) -> int:
        """Move ``seconds`` forward, running every step due on the way; returns how many ran."""
        if seconds < 0:
            raise ValueError("the clock never goes back")
        target = self._now + seconds
        ran = 0
        while self._heap and self._heap[0].due <= target:
            step = heapq.heappop(self._heap)
            if step.cancelled:
                continue
            self._now = max(self._now, step.due)
            step.run()
            ran += 1
        self._now = target
        return ran

    def run_now(self, step: Step) -> None:
        """Run one pending step at once, whatever its due time (the clock does not move)."""
        step.cancelled = True
        step.run()

    def reset(self) -> None:
        self._heap.clear()
        self._now = 0.0
        self.epoch = self._new_epoch()
