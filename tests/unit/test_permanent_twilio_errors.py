"""A number Twilio refuses for good is not an outage (issue 10, item 3), and a party who hangs
up before the conference started ends the session at once (item 4)."""

import pytest

from tests.unit.call_world import CLIENT_PHONE, PROVIDER_PHONE, CallWorld


@pytest.mark.parametrize("code", [21215, 21211, 21219, 21210])
def test_a_provider_number_twilio_refuses_fails_the_session_without_retry_or_breaker(code: int) -> None:
    w = CallWorld()
    sid = w.book()
    w.telephony.refusals[PROVIDER_PHONE] = code
    assert w.dial(sid, "provider") == "failed"
    session = w.session()
    assert (session["status"], session["failureReason"]) == ("failed", "provider_unreachable")
    assert session["participants"]["provider"]["twilioErrorCode"] == code
    assert session["payment"]["state"] == "released"  # the hold is released at once
    assert "call-s1-provider-2" not in w.tasks.order  # that party is not tried again
    assert w.store.get("system/twilio_breaker") is None  # not an outage
    assert any(m.startswith("call_failed_") for m in w.store.collection("mail"))  # the client is told


def test_a_refused_client_number_hangs_up_the_waiting_provider() -> None:
    w = CallWorld()
    sid = w.book()
    w.provider_accepts(sid)
    w.telephony.refusals[CLIENT_PHONE] = 21215
    assert w.dial(sid, "client") == "failed"
    assert w.session()["failureReason"] == "client_unreachable"
    assert w.telephony.hung_up == [w.call_sid(sid, "provider")]


def test_refusals_never_open_the_breaker_for_other_sessions() -> None:
    w = CallWorld()
    for index in range(5):
        sid = w.book(f"s{index}", f"client{index}")
        w.telephony.refusals[PROVIDER_PHONE] = 21215
        assert w.dial(sid, "provider") == "failed"
        w.telephony.refusals.clear()
        w.store.set(f"sos_profiles/{'lawyer1'}/private/account", {"currentCallSessionId": None}, merge=True)
    assert w.store.get("system/twilio_breaker") is None


def test_the_provider_hanging_up_before_the_client_joins_fails_the_session_at_once() -> None:
    w = CallWorld()
    sid = w.book()
    w.provider_accepts(sid)
    assert w.dial(sid, "client") == "dialed"  # the client's phone rings
    result = w.ends(sid, "provider", "completed")  # no conference ever started: no conference-end
    session = w.session()
    assert (session["status"], session["failureReason"]) == ("failed", "provider_left")
    assert result.hang_up == [w.call_sid(sid, "client")] and result.settle
    assert session["payment"]["state"] == "released"


def test_a_final_status_of_an_accepted_party_while_both_accepted_waits_for_the_conference() -> None:
    w = CallWorld()
    sid = w.book()
    w.connect(sid)  # both pressed 1; the conference decides
    result = w.ends(sid, "client", "completed")
    assert w.session()["status"] == "calling_client" and not result.settle
