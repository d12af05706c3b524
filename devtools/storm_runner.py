"""Sending a storm of webhook deliveries: every distinct delivery once, topped up with duplicates,
shuffled, CONCURRENCY at a time (one HTTP session per thread), with each one's latency and status."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests

DUPLICATE_SHARE = 0.30
CONCURRENCY = 32


@dataclass
class Delivery:
    key: str  # what makes it distinct
    send: Callable[[requests.Session], int]


@dataclass
class StormResult:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    failed: list[Delivery] = field(default_factory=list)

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def storm_order(distinct: Sequence[Delivery], total: int, rng: random.Random) -> list[Delivery]:
    """All distinct deliveries once, topped up with duplicates to `total`, shuffled."""
    deliveries = list(distinct) + [rng.choice(distinct) for _ in range(total - len(distinct))]
    rng.shuffle(deliveries)
    return deliveries


def distinct_count(total: int) -> int:
    return round(total / (1 + DUPLICATE_SHARE))


def run_storm(deliveries: Sequence[Delivery]) -> StormResult:
    result = StormResult()
    local = _thread_sessions()

    def one(delivery: Delivery) -> tuple[float, int, Delivery]:
        started = time.perf_counter()
        status = delivery.send(local())
        return time.perf_counter() - started, status, delivery

    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        for latency, status, delivery in pool.map(one, deliveries):
            result.latencies.append(latency)
            result.statuses[status] = result.statuses.get(status, 0) + 1
            if status >= 500:
                result.failed.append(delivery)
    return result


def _thread_sessions() -> Callable[[], requests.Session]:
    import threading

    store = threading.local()

    def get() -> requests.Session:
        if not hasattr(store, "session"):
            store.session = requests.Session()
        session: requests.Session = store.session
        return session

    return get
