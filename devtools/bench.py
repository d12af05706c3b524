"""`make bench`: figures, not assertions about speed.

1. Firestore reads/writes/transactions of one completed booking, per step (devtools.bench_booking);
2. cold import time of each codebase's `main` vs the bare Firebase SDK (devtools.bench_imports).

Exits non-zero only on correctness: the booking did not end `completed` with its payment
`captured`, or `import main` pulled in stripe / twilio.rest / google.cloud.tasks_v2.
"""

from __future__ import annotations

import sys

from devtools import bench_booking, bench_imports


def main() -> int:
    booking = bench_booking.run()
    print()
    imports = bench_imports.run()
    return 1 if booking or imports else 0


if __name__ == "__main__":
    sys.exit(main())
