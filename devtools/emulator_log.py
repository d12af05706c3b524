"""What went slow in the Functions emulator, read from its log, for the end of an e2e run.

The e2e suite waits for outcomes, not for a latency; when a wait runs out on a loaded machine,
these lines say whether the emulator was the slow part: workers that took long to start (or
never did and were answered 503, see devtools/emulator_concurrency.cjs) and functions that ran
past their timeout (typically transactions queued on the emulator's 2 s lock timeouts).
"""

from __future__ import annotations

import re
from collections import Counter

from devtools.stack import SLOW_WORKER_START_SECONDS

_SLOW_START = re.compile(r'worker of "([^"]+)" took ([0-9.]+) s to start')
_NO_START = re.compile(r'worker of "([^"]+)" did not start')
_TIMED_OUT = "Your function timed out after"


def emulator_troubles(log: str) -> list[str]:
    """One line per kind of trouble in the emulator's log (none: an empty list)."""
    lines: list[str] = []
    starts = [(name, float(seconds)) for name, seconds in _SLOW_START.findall(log)]
    if starts:
        name, worst = max(starts, key=lambda start: start[1])
        slow = f"{len(starts)} worker starts took {SLOW_WORKER_START_SECONDS} s or more"
        lines.append(f"{slow}; the slowest, {worst:.1f} s, was {name}")
    failed = Counter(_NO_START.findall(log))
    if failed:
        lines.append("workers that never started (answered 503): " + _counts(failed))
    timed_out = log.count(_TIMED_OUT)
    if timed_out:
        lines.append(f"{timed_out} function runs went past their timeout (the emulator's log does not name them)")
    return lines


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{name} x{count}" for name, count in counter.most_common())
