"""AI quota over HTTP: concurrent increments at the limit never exceed it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.e2e.conftest import CallResult, WebApp

pytestmark = pytest.mark.e2e


def test_concurrent_increments_at_the_limit(web: WebApp, db: Any) -> None:
    lawyer = web.sign_in("lawyer@demo.sos-expat.test")
    db.document(f"subscriptions/{lawyer.uid}").delete()
    # The Functions emulator mangles a burst of requests to a function whose worker is not
    # started yet ("Invalid request"); one call first starts it (no subscription: refused).
    assert web.call("europe-west3", "incrementAiUsage", {}, lawyer).error_status == "PERMISSION_DENIED"
    period = datetime(2026, 11, 1, tzinfo=UTC)
    db.document(f"subscriptions/{lawyer.uid}").set(
        {
            "providerId": lawyer.uid,
            "planId": "lawyer_basic",
            "tier": "basic",
            "status": "active",
            "aiAccessEnabled": True,
            "aiCallsLimit": 5,
            "currentPeriodCalls": 2,
            "currentPeriodStart": period,
            "usagePeriodStart": period,
        }
    )
    results: list[CallResult] = []
    barrier = threading.Barrier(8)

    def call() -> None:
        barrier.wait()
        results.append(web.call("europe-west3", "incrementAiUsage", {}, lawyer))

    threads = [threading.Thread(target=call) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 8
    # A request the emulator's locks kept colliding answers ABORTED: the assistant retries it.
    assert {r.error_status for r in results if r.status != 200} <= {"RESOURCE_EXHAUSTED", "ABORTED"}, [
        r.body for r in results
    ]
    counted = db.document(f"subscriptions/{lawyer.uid}").get().to_dict()["currentPeriodCalls"]
    assert counted == 2 + sum(r.status == 200 for r in results) <= 5
    answers, pending = list(results), sum(r.error_status == "ABORTED" for r in results)
    for _ in range(5):
        if not pending:
            break
        again = [web.call("europe-west3", "incrementAiUsage", {}, lawyer) for _ in range(pending)]
        answers += again
        pending = sum(r.error_status == "ABORTED" for r in again)
    assert pending == 0 and sum(r.status == 200 for r in answers) == 3, [r.body for r in answers]
    assert db.document(f"subscriptions/{lawyer.uid}").get().to_dict()["currentPeriodCalls"] == 5
    check = web.call("europe-west3", "checkAiAccess", {}, lawyer)
    assert check.result == {"allowed": False, "used": 5, "limit": 5, "remaining": 0, "reason": "quota_exhausted"}
    client = web.sign_up()
    assert web.call("europe-west3", "checkAiAccess", {}, client).error_status == "PERMISSION_DENIED"
