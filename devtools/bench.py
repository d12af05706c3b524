"""`make bench`: figures, not assertions about speed.

1. Firestore reads/writes/transactions of one completed booking, per step (devtools.bench_booking);
2. cold import time of each codebase's `main` vs the bare Firebase SDK (devtools.bench_imports);
3. webhook storms on the full local stack: 1,000 Stripe events and 1,000 Twilio callbacks, 30 %
   duplicates, shuffled, concurrent; p50/p99 as a ratio to a no-op function (devtools.bench_storm).

Exits non-zero only on correctness: the booking did not end `completed` with its payment
`captured`, `import main` pulled in stripe / twilio.rest / google.cloud.tasks_v2, or a storm's
effects differ from its distinct events.
"""

from __future__ import annotations

import sys

from devtools import bench_booking, bench_imports, bench_storm


def main() -> int:
    booking = bench_booking.run()
    print()
    imports = bench_imports.run()
    print()
    storms = bench_storm.run()
    return 1 if booking or imports or storms else 0


if __name__ == "__main__":
    sys.exit(main())
