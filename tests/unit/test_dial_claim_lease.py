"""A crash between claiming a dial attempt and placing the call never leaves the session stuck."""

import pytest

from shared.calls.services.dialing import DIAL_CLAIM_LEASE
from shared.kernel.errors import Aborted
from tests.unit.call_world import CallWorld


class _Crash(Exception):
    pass


def _crash_once(world: CallWorld) -> None:
    place = world.telephony.place_call

    def crashing(request: object) -> str:
        world.telephony.place_call = place  # type: ignore[method-assign]
        raise _Crash("the instance died before Twilio answered")

    world.telephony.place_call = crashing  # type: ignore[method-assign]


def test_the_redelivered_task_dials_once_the_claim_lease_ran_out() -> None:
    w = CallWorld()
    sid = w.book()
    _crash_once(w)
    with pytest.raises(_Crash):
        w.dial(sid, "provider")
    provider = w.session()["participants"]["provider"]
    assert (provider["attempt"], provider["state"]) == (1, "dialing") and "callSid" not in provider
    with pytest.raises(Aborted):  # the claimer may still be alive: Cloud Tasks retries later
        w.dial(sid, "provider")
    assert w.telephony.calls == []
    w.clock.advance(DIAL_CLAIM_LEASE.total_seconds() + 1)
    assert w.dial(sid, "provider") == "dialed"
    assert len(w.telephony.calls) == 1 and w.session()["participants"]["provider"]["callSid"]
    assert w.dial(sid, "provider") == "skipped:duplicate"  # a call with a CallSid is never placed again


def test_a_dial_that_failed_at_twilio_is_not_taken_over() -> None:
    w = CallWorld()
    sid = w.book()
    w.telephony.failures = 1
    assert w.dial(sid, "provider") == "retry"
    w.clock.advance(DIAL_CLAIM_LEASE.total_seconds() + 1)
    assert w.dial(sid, "provider", 1) == "skipped:duplicate"
