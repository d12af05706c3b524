"""stuckPaymentsRecovery never lets a hold lapse silently: a session still active is finished from
Twilio's call records, and a settlement that keeps failing is tried again before its hold lapses."""

from datetime import datetime, timedelta
from typing import Any

import pytest

from shared.calls.ports.telephony import CallRecord
from tests.unit.payment_builders import PROVIDER, PaymentWorld
from tests.unit.profiles import profile_view

PROVIDER_SID, CLIENT_SID = "CA" + "1" * 32, "CA" + "2" * 32


@pytest.fixture
def world() -> PaymentWorld:
    return PaymentWorld()


def _active(world: PaymentWorld, *, created: datetime, capture_before: datetime | None = None) -> str:
    extra: dict[str, Any] = {"captureBefore": capture_before} if capture_before else {}
    payment_id = world.payment("s1", **extra)
    world.session(
        "s1",
        payment_id,
        status="active",
        created=created,
        participants={"provider": {"callSid": PROVIDER_SID}, "client": {"callSid": CLIENT_SID}},
        conference={"startedAt": created + timedelta(minutes=1)},
    )
    return payment_id


def _records(world: PaymentWorld, start: datetime, provider_end: datetime, client_end: datetime | None) -> None:
    world.telephony.records[PROVIDER_SID] = CallRecord("completed", start, provider_end)
    client_status = "completed" if client_end is not None else "in-progress"
    world.telephony.records[CLIENT_SID] = CallRecord(client_status, start + timedelta(seconds=40), client_end)


def test_a_session_active_past_the_longest_call_is_billed_from_twilio_records(world: PaymentWorld) -> None:
    created = world.ago(hours=3)
    payment_id = _active(world, created=created)
    # Both were there from the conference start (created + 1 min) until the client left at + 9 min.
    _records(world, created, created + timedelta(minutes=10), created + timedelta(minutes=9))
    report = world.recover()
    assert report.settled_from_records == ["s1"] and report.flagged == []
    session = world.doc("call_sessions/s1")
    assert (session["status"], session["connectedSeconds"], session["billable"]) == ("completed", 480, True)
    assert session["settledFrom"] == "twilio_call_records"
    assert session["payment"]["state"] == "captured" and session["paymentCaptured"] is True
    assert world.gateway.settlements == [("succeeded", payment_id, "capture:s1")]
    assert (profile_view(world.store, PROVIDER) or {})["currentCallSessionId"] is None


def test_too_short_a_shared_time_is_released(world: PaymentWorld) -> None:
    created = world.ago(hours=3)
    payment_id = _active(world, created=created)
    _records(world, created, created + timedelta(minutes=10), created + timedelta(minutes=1, seconds=30))
    world.recover()
    assert world.doc("call_sessions/s1")["connectedSeconds"] == 30
    assert world.gateway.settlements == [("canceled", payment_id, "release:s1")]


def test_a_call_twilio_still_shows_in_progress_is_hung_up_and_counted_until_now(world: PaymentWorld) -> None:
    created = world.ago(hours=3)
    _active(world, created=created)
    _records(world, created, created + timedelta(hours=2, minutes=50), None)
    report = world.recover()
    assert world.telephony.hung_up == [CLIENT_SID]
    assert report.settled_from_records == ["s1"]
    assert world.doc("call_sessions/s1")["connectedSeconds"] == (2 * 60 + 49) * 60


def test_without_a_twilio_record_the_session_is_flagged(world: PaymentWorld) -> None:
    _active(world, created=world.ago(hours=3))
    report = world.recover()
    assert report.flagged == ["s1"] and report.settled_from_records == []
    assert world.doc("call_sessions/s1")["status"] == "active"


def test_a_young_active_session_whose_hold_lapses_is_left_while_its_calls_are_live(world: PaymentWorld) -> None:
    created = world.ago(minutes=10)
    _active(world, created=created, capture_before=world.now + timedelta(hours=2))
    world.telephony.records[PROVIDER_SID] = CallRecord("in-progress", created, None)
    world.telephony.records[CLIENT_SID] = CallRecord("in-progress", created, None)
    report = world.recover()
    assert report.settled_from_records == report.flagged == [] and world.telephony.hung_up == []
    assert world.doc("call_sessions/s1")["status"] == "active"


def test_a_young_active_session_whose_hold_lapses_and_calls_ended_is_settled(world: PaymentWorld) -> None:
    created = world.ago(minutes=20)
    _active(world, created=created, capture_before=world.now + timedelta(hours=2))
    _records(world, created, created + timedelta(minutes=15), created + timedelta(minutes=14))
    assert world.recover().settled_from_records == ["s1"]
    assert world.doc("call_sessions/s1")["payment"]["state"] == "captured"


def test_a_settlement_out_of_attempts_is_still_tried_before_its_hold_lapses(world: PaymentWorld) -> None:
    payment_id = world.payment("s1", captureBefore=world.now + timedelta(hours=3))
    world.session(
        "s1",
        payment_id,
        status="completed",
        payment={"action": "capture", "state": "failed", "attempts": 5, "lastError": "stripe is down"},
        endedAt=world.ago(hours=2),
    )
    report = world.recover()
    assert report.flagged == ["s1"] and report.settlements_retried == ["s1"]
    assert world.doc("call_sessions/s1")["payment"]["state"] == "captured"
