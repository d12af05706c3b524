"""A booked call end to end over HTTP: web app, Stripe (localstripe), Twilio (the simulator)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from devtools import cron
from devtools.stack import LocalStack
from tests.e2e.booking import (
    DEFAULT_CLIENT_PHONE,
    asked_cost,
    book,
    calls_finished,
    provider_doc,
    settled_session,
    sim_call_log,
    sim_calls,
    stripe_intent,
)
from tests.e2e.conftest import WebApp, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("fresh_simulator")]

ANSWERS = "+33600000001"
NEVER_ANSWERS = "+33600000002"
VOICEMAIL = "+33600000003"
DECLINES = "+33600000004"
HANGS_UP_AFTER_30S = "+33600000005"
TALKS_8_MIN = "+33600000006"


def test_happy_path_captures_the_hold_and_frees_the_provider(web: WebApp, db: Any, stack: LocalStack) -> None:
    booking = book(web, db, ANSWERS)
    session = settled_session(db, booking["callSessionId"])
    assert session["status"] == "completed"
    assert session["billable"] is True
    assert 295 <= session["connectedSeconds"] <= 305  # the default persona talks 5 minutes
    assert session["payment"]["state"] == "captured" and session["paymentCaptured"] is True
    assert session["providerEarnings"] == 3000
    intent = stripe_intent(booking["paymentIntentId"])
    assert intent["status"] == "succeeded" and intent["amount_received"] == 4900
    assert provider_doc(db, booking["providerId"])["availability"] == "available"
    assert db.document(f"payment_audit_logs/{booking['paymentIntentId']}_capture").get().exists
    cost = wait_for(
        lambda: asked_cost(db.document(f"call_sessions/{booking['callSessionId']}").get().to_dict()),
        timeout=60,
        what="the Twilio cost",
    )
    if not cost["complete"]:
        # Twilio prices a call shortly after it ends: the figure asked at settlement may be early.
        # It is then left pending, and the half-hourly completeCallCosts completes it.
        assert cost["pending"] is True
        assert cron.fire("completeCallCosts", "europe-west3", datetime.now(UTC)) < 300
        cost = db.document(f"call_sessions/{booking['callSessionId']}").get().to_dict()["twilioCost"]
    assert cost["complete"] is True and cost["calls"] == 2 and cost["micros"] > 0

    # Phones are stored sealed only; the IVR spoke each party's language.
    assert DEFAULT_CLIENT_PHONE not in json.dumps(session, default=str)
    assert ANSWERS not in json.dumps(session, default=str)
    [provider_call] = sim_calls(ANSWERS)
    said = " ".join(item["text"] for item in sim_call_log(provider_call["sid"])["said"])
    assert "Appuyez sur 1" in said
    [client_call] = sim_calls(DEFAULT_CLIENT_PHONE)
    assert "Press 1" in " ".join(item["text"] for item in sim_call_log(client_call["sid"])["said"])

    # ...and no phone number reached the functions' logs.
    logs = (stack.log_dir / "emulators.log").read_text(errors="replace")
    assert DEFAULT_CLIENT_PHONE not in logs and ANSWERS not in logs

    # Notifications: e-mail documents and SMS sent through Twilio.
    assert db.document(f"mail/call_completed_{booking['callSessionId']}").get().exists
    wait_for(
        lambda: (
            db.document(f"sms_outbox/call_completed_{booking['callSessionId']}").get().to_dict()["status"] == "sent"
        ),
        what="the completion SMS",
    )


def test_provider_who_never_answers_is_called_three_times_then_released(web: WebApp, db: Any) -> None:
    booking = book(web, db, NEVER_ANSWERS)
    session = settled_session(db, booking["callSessionId"])
    assert (session["status"], session["failureReason"]) == ("failed", "provider_no_answer")
    assert session["payment"]["state"] == "released"
    assert len(sim_calls(NEVER_ANSWERS)) == 3
    assert sim_calls(DEFAULT_CLIENT_PHONE) == []
    assert stripe_intent(booking["paymentIntentId"])["status"] == "canceled"
    provider = provider_doc(db, booking["providerId"])
    assert provider["availability"] == "available" and provider["missedCalls"] == 1
    assert db.document(f"mail/provider_no_answer_{booking['callSessionId']}").get().exists


def test_voicemail_counts_as_no_answer(web: WebApp, db: Any) -> None:
    booking = book(web, db, VOICEMAIL)
    session = settled_session(db, booking["callSessionId"])
    assert (session["status"], session["failureReason"]) == ("failed", "provider_no_answer")
    calls = sim_calls(VOICEMAIL)
    assert len(calls) == 3 and all(c["answered_by"].startswith("machine") for c in calls)
    assert stripe_intent(booking["paymentIntentId"])["status"] == "canceled"


def test_provider_who_declines(web: WebApp, db: Any) -> None:
    booking = book(web, db, DECLINES)
    session = settled_session(db, booking["callSessionId"])
    assert (session["status"], session["failureReason"]) == ("failed", "provider_no_answer")
    assert session["participants"]["provider"]["state"] == "declined"
    assert session["payment"]["state"] == "released"


def test_client_who_never_answers_releases_the_hold_and_hangs_up_the_provider(web: WebApp, db: Any) -> None:
    booking = book(web, db, ANSWERS, client_phone=NEVER_ANSWERS)
    session = settled_session(db, booking["callSessionId"])
    assert (session["status"], session["failureReason"]) == ("failed", "client_no_answer")
    assert len(sim_calls(NEVER_ANSWERS)) == 3
    wait_for(lambda: calls_finished(ANSWERS), what="the provider's call to be hung up")
    assert stripe_intent(booking["paymentIntentId"])["status"] == "canceled"
    assert provider_doc(db, booking["providerId"])["availability"] == "available"


def test_call_shorter_than_the_minimum_is_not_charged(web: WebApp, db: Any) -> None:
    booking = book(web, db, ANSWERS, client_phone=HANGS_UP_AFTER_30S)
    session = settled_session(db, booking["callSessionId"])
    assert session["status"] == "completed"
    assert session["connectedSeconds"] < 60 and session["billable"] is False
    assert session["payment"]["state"] == "released" and session.get("paymentCaptured") is False
    intent = stripe_intent(booking["paymentIntentId"])
    assert intent["status"] == "canceled" and intent.get("amount_received", 0) == 0


def test_eight_minute_call_is_captured(web: WebApp, db: Any) -> None:
    booking = book(web, db, ANSWERS, client_phone=TALKS_8_MIN)
    session = settled_session(db, booking["callSessionId"])
    assert session["status"] == "completed" and 475 <= session["connectedSeconds"] <= 485
    assert session["payment"]["state"] == "captured"
    assert stripe_intent(booking["paymentIntentId"])["amount_received"] == 4900
