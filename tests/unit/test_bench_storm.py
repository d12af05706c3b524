"""The storm bench sends every distinct event, and 30 % more as duplicates, shuffled."""

import random
from collections import Counter

from devtools.storm_runner import Delivery, distinct_count, storm_order


def test_every_distinct_event_is_sent_and_the_rest_are_duplicates() -> None:
    distinct = [Delivery(str(i), lambda http: 200) for i in range(distinct_count(1000))]
    order = storm_order(distinct, 1000, random.Random(1))
    counts = Counter(d.key for d in order)
    assert len(order) == 1000 and set(counts) == {d.key for d in distinct}
    assert sum(counts.values()) - len(counts) == 1000 - len(distinct) and 0.29 < (1000 - len(distinct)) / 769 < 0.31
    assert [d.key for d in order[:50]] != sorted(d.key for d in order[:50])  # shuffled
