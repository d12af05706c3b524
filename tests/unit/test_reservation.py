"""Reservations: the lease rule and the wait for the holder's result, on the injected clock."""

from datetime import UTC, datetime, timedelta

from shared.kernel.reservation import leased, wait_for
from tests.fakes import FakeClock

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def test_a_lease_holds_until_it_ends() -> None:
    assert leased({"leaseUntil": T0 + timedelta(seconds=1)}, T0)
    assert not leased({"leaseUntil": T0}, T0)
    assert not leased({"leaseUntil": None}, T0) and not leased({}, T0) and not leased(None, T0)


def test_the_wait_checks_one_step_apart_until_an_answer() -> None:
    clock = FakeClock(T0)
    seen: list[datetime] = []

    def check() -> str | None:
        seen.append(clock.now())
        return "pi_1" if len(seen) == 3 else None

    assert wait_for(check, clock=clock, seconds=10, step=0.5) == "pi_1"
    assert seen == [T0 + timedelta(seconds=0.5 * n) for n in (1, 2, 3)]


def test_the_wait_gives_up_after_its_time() -> None:
    clock = FakeClock(T0)
    checks: list[int] = []
    assert wait_for(lambda: checks.append(1), clock=clock, seconds=2, step=0.5) is None
    assert len(checks) == 4 and clock.now() == T0 + timedelta(seconds=2)
