"""sendQueuedSms: a queued SMS is sent at most once, and a failure is recorded."""

import pytest

from shared.notifications.services.sms import send_queued_sms
from tests.unit.call_world import CLIENT_PHONE, CallWorld


@pytest.fixture
def w() -> CallWorld:
    world = CallWorld()
    world.book("s1")  # queues sms_outbox/booked_s1 to the client's sealed number
    return world


def _send(w: CallWorld, sms_id: str = "booked_s1") -> str:
    return send_queued_sms(sms_id, store=w.store, telephony=w.telephony, vault=w.vault, clock=w.clock)


def test_a_queued_sms_is_sent_to_the_opened_number(w: CallWorld) -> None:
    queued = w.store.get("sms_outbox/booked_s1")
    assert queued is not None and queued["status"] == "queued"
    w.clock.advance(2)
    assert _send(w) == "sent"
    assert w.telephony.sms == [(CLIENT_PHONE, queued["body"])]
    sent = w.store.get("sms_outbox/booked_s1")
    assert sent is not None
    assert (sent["status"], sent["messageSid"], sent["sentAt"], sent["claimedAt"]) == (
        "sent",
        "SM" + "1".rjust(32, "0"),
        w.clock.now(),
        w.clock.now(),
    )
    assert sent["toSealed"] == queued["toSealed"], "the clear number is never written back"


def test_a_redelivered_trigger_sends_nothing_more(w: CallWorld) -> None:
    assert [_send(w), _send(w), _send(w)] == ["sent", "skipped", "skipped"]
    assert len(w.telephony.sms) == 1


def test_a_claimed_sms_is_not_sent_again(w: CallWorld) -> None:
    # A previous delivery claimed it and died before sending: at most once wins.
    w.store.set("sms_outbox/booked_s1", {"status": "sending"}, merge=True)
    assert _send(w) == "skipped"
    assert w.telephony.sms == []


def test_a_missing_sms_is_skipped(w: CallWorld) -> None:
    assert _send(w, "nope") == "skipped"
    assert w.store.get("sms_outbox/nope") is None


def test_a_failure_is_recorded_and_not_retried_by_a_redelivery(w: CallWorld) -> None:
    w.telephony.sms_failures = 1
    assert _send(w) == "failed"
    failed = w.store.get("sms_outbox/booked_s1")
    assert failed is not None
    assert (failed["status"], failed["error"], failed["failedAt"]) == (
        "failed",
        "21211 invalid 'To' number",
        w.clock.now(),
    )
    assert "messageSid" not in failed
    assert _send(w) == "skipped"
    assert w.telephony.sms == []


def test_a_long_error_is_truncated(w: CallWorld) -> None:
    from shared.calls.ports.telephony import TelephonyError

    def fail(to: str, body: str) -> str:
        raise TelephonyError("x" * 1000, retryable=True)

    w.telephony.send_sms = fail  # type: ignore[method-assign]
    assert _send(w) == "failed"
    failed = w.store.get("sms_outbox/booked_s1")
    assert failed is not None and len(failed["error"]) == 200


def test_the_sms_of_a_finished_call_goes_out_once() -> None:
    w = CallWorld()
    sid = w.book()
    for attempt in (1, 2, 3):
        w.dial(sid, "provider", attempt)
        w.ends(sid, "provider", "no-answer", attempt)
    assert _send(w, "provider_no_answer_s1") == "sent"
    assert _send(w, "provider_no_answer_s1") == "skipped"
    body = "SOS Expat : l'expert n'a pas pu être joint. Votre carte n'a pas été débitée."  # the client speaks French
    assert w.telephony.sms == [(CLIENT_PHONE, body)]
