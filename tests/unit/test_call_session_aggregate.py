"""CallSession: how a booked call ends, without the store."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.calls.domain.call_rules import Settlement
from shared.calls.domain.call_session import (
    TERMINAL,
    CallSession,
    CallStatus,
    FailureReason,
    IllegalTransition,
    Notice,
    can_transition,
)

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def _session(status: CallStatus, **fields: object) -> CallSession:
    return CallSession(
        "s1",
        {
            "status": status.value,
            "providerId": "p1",
            "clientId": "c1",
            "payment": {"intentId": "pi_1", "state": "authorized"},
            "participants": {"provider": {"callSid": "CA1"}, "client": {"callSid": "CA2"}},
            **fields,
        },
    )


def test_ending_schedules_the_settlement_and_asks_for_the_cost() -> None:
    changes = _session(CallStatus.ACTIVE).end(CallStatus.COMPLETED, now=NOW, settlement=Settlement.CAPTURE)
    assert changes["status"] == "completed" and changes["endedAt"] == NOW
    assert changes["payment"] == {"intentId": "pi_1", "state": "pending", "action": "capture"}
    assert changes["twilioCost"]["pending"] is True and "failureReason" not in changes


def test_a_failure_names_its_reason_and_keeps_the_extra_fields() -> None:
    changes = _session(CallStatus.CALLING_PROVIDER).end(
        CallStatus.FAILED,
        now=NOW,
        settlement=Settlement.RELEASE,
        reason=FailureReason.PROVIDER_NO_ANSWER,
        extra={"connectedSeconds": 0},
    )
    assert changes["failureReason"] == "provider_no_answer" and changes["connectedSeconds"] == 0
    assert changes["payment"]["action"] == "release"


@pytest.mark.parametrize("status", list(CallStatus))
@pytest.mark.parametrize("target", sorted(TERMINAL))
def test_a_session_ends_only_along_the_state_machine(status: CallStatus, target: CallStatus) -> None:
    session = _session(status)
    if can_transition(status, target):
        assert session.end(target, now=NOW, settlement=Settlement.RELEASE)["status"] == target.value
    else:
        with pytest.raises(IllegalTransition):
            session.end(target, now=NOW, settlement=Settlement.RELEASE)


def test_a_conference_end_before_its_start_is_applied_to_the_session_as_active() -> None:
    session = _session(CallStatus.CALLING_CLIENT)
    assert session.as_active().status is CallStatus.ACTIVE and session.status is CallStatus.CALLING_CLIENT
    assert session.as_active().end(CallStatus.COMPLETED, now=NOW, settlement=Settlement.CAPTURE)


def test_the_party_of_a_call_is_found_by_its_sid() -> None:
    session = _session(CallStatus.ACTIVE)
    assert session.party_of("CA1") == "provider" and session.party_of("CA2") == "client"
    assert session.party_of("CA9") is None


def test_the_client_is_told_by_mail_and_by_sms_unless_the_call_simply_failed() -> None:
    assert CallSession.notice(CallStatus.COMPLETED, None) == Notice("call_completed", sms=True)
    assert CallSession.notice(CallStatus.FAILED, FailureReason.PROVIDER_NO_ANSWER) == Notice(
        "provider_no_answer", sms=True
    )
    assert CallSession.notice(CallStatus.FAILED, FailureReason.CLIENT_LEFT) == Notice("call_failed", sms=False)
    assert CallSession.provider_missed(FailureReason.PROVIDER_NO_ANSWER)
    assert not CallSession.provider_missed(FailureReason.CLIENT_NO_ANSWER)
