"""A session whose conference callbacks never arrived is finished from Twilio's call records by
stuckPaymentsRecovery, and its hold is captured (issue 9, item 2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from devtools import cron
from tests.e2e.booking import CALL_STEP_TIMEOUT, book, calls_finished, settled_session, sim_configure
from tests.e2e.conftest import WebApp, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("fresh_simulator")]

TALKS_EIGHT_MINUTES = "+33600000006"
CLIENT = "+33622222222"


def test_an_active_session_whose_callbacks_were_lost_is_billed_from_twilio_records(web: WebApp, db: Any) -> None:
    # Twilio's callbacks reach the product up to the conference's start; every later one is lost.
    sim_configure(callbacks="drop_after_conference_start")
    booking = book(web, db, TALKS_EIGHT_MINUTES, CLIENT)
    ref = db.document(f"call_sessions/{booking['callSessionId']}")
    wait_for(
        lambda: (ref.get().to_dict() or {}).get("status") == "active",
        timeout=CALL_STEP_TIMEOUT,
        what="the call to connect",
    )
    wait_for(lambda: calls_finished(TALKS_EIGHT_MINUTES, CLIENT), timeout=60, what="both calls to end")
    assert (ref.get().to_dict() or {})["status"] == "active"  # nothing told the product
    # Past the longest possible call: the session was created hours ago as far as the cron knows.
    ref.update({"createdAt": datetime.now(UTC) - timedelta(hours=3)})
    assert cron.fire("stuckPaymentsRecovery", "europe-west3", datetime.now(UTC)) < 300
    session = settled_session(db, booking["callSessionId"], timeout=30)
    assert session["status"] == "completed" and session["settledFrom"] == "twilio_call_records"
    assert session["billable"] is True and session["connectedSeconds"] >= 60
    assert session["payment"]["state"] == "captured" and session["paymentCaptured"] is True
