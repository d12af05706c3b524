"""Virtual clock: simulated time runs ``speed`` times faster than real time.

Every carrier timer (ringing, talk time, pauses...) is expressed in *virtual*
seconds and awaited with :meth:`VirtualClock.sleep`. All timers live in one
heap ordered by (due time, creation order) and are released by a single
scheduler task, so timers that fall due together always fire in the order they
were created. Changing the speed re-bases the clock without a jump in virtual
time and re-plans the pending timers.

When the event loop wakes up late for a timer (GIL contention, a busy loop),
virtual time is held back to the timer's due time instead of running ahead,
without ever going backwards: a 30 s talk then lasts 30 virtual seconds even
at high speeds. Virtual time may thus run slightly slower than ``speed`` times
real time under load, never faster.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime


def rfc2822(moment: datetime) -> str:
    """Format like Twilio does: ``Mon, 16 Aug 2010 03:45:01 +0000``."""
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0))


class VirtualClock:
    """A scalable clock shared by everything happening in one simulator."""

    def __init__(self, speed: float = 60.0, epoch: datetime | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be > 0")
        self._speed = float(speed)
        self._real_origin = time.monotonic()
        self._virtual_origin = 0.0
        self._floor = 0.0  # largest value ever returned by now()
        start = epoch or datetime.now(UTC)
        self.epoch = start.astimezone(UTC).replace(microsecond=0)
        self._heap: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._wakeup: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    # -- reading the time -------------------------------------------------
    @property
    def speed(self) -> float:
        return self._speed

    def now(self) -> float:
        """Virtual seconds elapsed since :attr:`epoch` (never decreases)."""
        self._floor = max(self._floor, self._raw())
        return self._floor

    def _raw(self) -> float:
        return self._virtual_origin + (time.monotonic() - self._real_origin) * self._speed

    def _rebase(self, virtual: float) -> None:
        self._real_origin = time.monotonic()
        self._virtual_origin = virtual

    def wallclock(self, at: float | None = None) -> datetime:
        """The virtual date-time at virtual second ``at`` (default: now)."""
        seconds = self.now() if at is None else at
        return self.epoch + timedelta(seconds=seconds)

    def timestamp(self, at: float | None = None) -> str:
        """RFC 2822 virtual date-time, the format of Twilio's ``Timestamp``."""
        return rfc2822(self.wallclock(at))

    # -- changing the pace ------------------------------------------------
    def set_speed(self, speed: float) -> None:
        if speed <= 0:
            raise ValueError("speed must be > 0")
        self._rebase(self.now())
        self._speed = float(speed)
        self._wake()

    # -- timers -----------------------------------------------------------
    def start(self) -> None:
        """Start the scheduler on the running loop (idempotent)."""
        if self._task is None or self._task.done():
            self._wakeup = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for _, _, fut in self._heap:
            if not fut.done():
                fut.cancel()
        self._heap.clear()

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of virtual time."""
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        self.start()
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._heap, (self.now() + seconds, next(self._order), fut))
        self._wake()
        await fut

    def pending(self) -> int:
        return sum(1 for _, _, fut in self._heap if not fut.done())

    def _wake(self) -> None:
        if self._wakeup is not None:
            self._wakeup.set()

    async def _run(self) -> None:
        assert self._wakeup is not None
        while True:
            while self._heap and self._heap[0][2].done():
                heapq.heappop(self._heap)
            now = self._raw()
            if self._heap and self._heap[0][0] <= now:
                # Woken late: hold virtual time at the earliest due timer.
                now = max(self._heap[0][0], self._floor)
                self._rebase(now)
            while self._heap and (self._heap[0][2].done() or self._heap[0][0] <= now):
                _, _, fut = heapq.heappop(self._heap)
                if not fut.done():
                    fut.set_result(None)
            delay = None
            if self._heap:
                delay = max(0.0, (self._heap[0][0] - now) / self._speed)
            self._wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=delay)
