"""The web app books as soon as Stripe.js returns from the card confirmation, without waiting
for the `amount_capturable_updated` webhook (issue 9, item 1)."""

from typing import Any

import pytest
from google.cloud.firestore_v1.base_query import FieldFilter

from devtools import ports
from tests.e2e.booking import (
    DEFAULT_CLIENT_PHONE,
    confirmed_hold,
    create_hold,
    describe,
    new_provider,
    schedule,
    settled_session,
    sim_configure,
)
from tests.e2e.conftest import WebApp

pytestmark = pytest.mark.e2e

BOOKINGS_IN_A_ROW = 8


def test_booking_at_once_after_the_card_confirmation_succeeds_every_time(
    web: WebApp, db: Any, fresh_simulator: None
) -> None:
    # Eight calls at once on a 2-CPU machine: at the stack's x60 a second of callback latency is a
    # simulated minute, and the provider's conference time limit (the call's 20 minutes plus 5)
    # would run out before the client is dialled. The emulator's lock stalls under these parallel
    # transactions reach 50 s (a CI run at x20, 75 s of slack, lost a call that way); at x10 the
    # calls keep two and a half minutes of real slack.
    sim_configure(speed=10)
    try:
        _book_in_a_row(web, db)
    finally:
        sim_configure(speed=ports.TWILIO_SIM_SPEED)


def _book_in_a_row(web: WebApp, db: Any) -> None:
    sessions = []
    for _ in range(BOOKINGS_IN_A_ROW):
        client = web.sign_up()
        provider_id = new_provider(db, "+33600000001")
        hold = confirmed_hold(web, client, provider_id)
        scheduled = schedule(web, client, provider_id, hold, DEFAULT_CLIENT_PHONE)  # no wait at all
        assert scheduled.status == 200, scheduled.body
        sessions.append((hold["paymentIntentId"], scheduled.result["callSessionId"]))
    for payment_id, call_session_id in sessions:
        session = settled_session(db, call_session_id, timeout=420)  # slower at x10: allow for stalls
        assert session["payment"]["state"] == "captured", describe(db, call_session_id)
        # By now the late webhook has landed too, and changed nothing: one authorisation, recorded once.
        payment = db.document(f"payments/{payment_id}").get().to_dict() or {}
        assert payment["captureBefore"] is not None and payment["amountCapturable"] == 4900
        audits = (
            db.collection("payment_audit_logs")
            .where(filter=FieldFilter("paymentIntentId", "==", payment_id))
            .where(filter=FieldFilter("toState", "==", "authorized"))
            .get()
        )
        assert len(audits) == 1, [a.to_dict() for a in audits]


def test_a_hold_whose_card_was_never_confirmed_is_still_refused(web: WebApp, db: Any) -> None:
    client = web.sign_up()
    provider_id = new_provider(db, "+33600000001")
    hold = create_hold(web, client, provider_id)
    scheduled = schedule(web, client, provider_id, hold, DEFAULT_CLIENT_PHONE)
    assert scheduled.error_status == "FAILED_PRECONDITION", scheduled.body
    assert "paymentIntentId" in scheduled.error_message
