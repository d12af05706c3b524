import json
from datetime import timedelta
from typing import Any

import pytest

from shared.calls.services.payment_health import run_payment_health_check
from tests.unit.payment_builders import PaymentWorld

EMPTY = {"count": 0, "ids": []}


@pytest.fixture
def world() -> PaymentWorld:
    return PaymentWorld()


def check(world: PaymentWorld) -> dict[str, Any]:
    health = run_payment_health_check(store=world.store, clock=world.clock)
    json.dumps(health)  # only JSON types
    assert world.doc("payment_health/latest") == health
    return health


def findings(health: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in health.items() if isinstance(value, dict) and "ids" in value}


def test_all_clear(world: PaymentWorld) -> None:
    payment_id = world.payment("s1")
    world.session("s1", payment_id, status="completed", payment={"action": "capture", "state": "captured"})
    health = check(world)
    assert health == {
        "status": "ok",
        "checkedAt": "2026-11-22T09:00:00+00:00",
        "orphanHolds": EMPTY,
        "expiringHolds": EMPTY,
        "expiredHolds": EMPTY,
        "failedSettlements": EMPTY,
        "stuckSessions": EMPTY,
        "thresholds": {
            "orphanHoldMinutes": 30,
            "stuckSessionMinutes": 120,
            "captureBeforeMarginHours": 24,
            "maxSettlementAttempts": 5,
        },
    }


def test_an_authorized_hold_without_session_is_a_warning(world: PaymentWorld) -> None:
    orphan = world.payment("s1", created=world.ago(minutes=31))
    world.payment("s2", created=world.ago(minutes=29))
    health = check(world)
    assert health["status"] == "warning"
    assert health["orphanHolds"] == {"count": 1, "ids": [orphan]}


def test_the_orphan_threshold_comes_from_the_settings(world: PaymentWorld) -> None:
    world.store.set("settings/payments_recovery", {"orphanHoldMinutes": 60})
    world.payment("s1", created=world.ago(minutes=31))
    assert check(world)["status"] == "ok"


def test_a_hold_lapsing_within_the_margin_is_a_warning(world: PaymentWorld) -> None:
    lapsing = world.payment("s1", captureBefore=world.now + timedelta(hours=23))
    world.session("s1", lapsing, status="scheduled", created=world.ago(minutes=5))
    distant = world.payment("s2", captureBefore=world.now + timedelta(hours=25))
    world.session("s2", distant, status="scheduled", created=world.ago(minutes=5))
    health = check(world)
    assert health["status"] == "warning"
    assert findings(health) == {
        **dict.fromkeys(findings(health), EMPTY),
        "expiringHolds": {"count": 1, "ids": [lapsing]},
    }


def test_a_lapsed_hold_not_captured_nor_released_is_critical(world: PaymentWorld) -> None:
    lapsed = world.payment("s1", captureBefore=world.ago(minutes=1))
    world.session("s1", lapsed, status="completed", payment={"action": "capture", "state": "failed", "attempts": 5})
    health = check(world)
    assert health["status"] == "critical"
    assert health["expiredHolds"] == {"count": 1, "ids": [lapsed]}
    assert health["failedSettlements"] == {"count": 1, "ids": ["s1"]}


@pytest.mark.parametrize("state", ["captured", "released"])
def test_a_lapsing_hold_already_settled_on_the_session_is_fine(world: PaymentWorld, state: str) -> None:
    # The session settled it; the webhook that updates `payments` is on its way.
    payment_id = world.payment("s1", captureBefore=world.ago(minutes=1))
    world.session("s1", payment_id, status="completed", payment={"action": "capture", "state": state})
    assert check(world)["status"] == "ok"


def test_a_lapsed_hold_of_a_captured_payment_is_fine(world: PaymentWorld) -> None:
    payment_id = world.payment("s1", state="captured", captureBefore=world.ago(hours=1))
    world.session("s1", payment_id, status="completed", payment={"action": "capture", "state": "captured"})
    assert check(world)["status"] == "ok"


def test_failed_settlements_and_stuck_sessions_are_warnings(world: PaymentWorld) -> None:
    failed = world.payment("failed")
    world.session("failed", failed, status="failed", payment={"action": "release", "state": "failed", "attempts": 1})
    stuck = world.payment("stuck")
    world.session("stuck", stuck, status="active", created=world.ago(minutes=121))
    young = world.payment("young")
    world.session("young", young, status="active", created=world.ago(minutes=119))
    health = check(world)
    assert health["status"] == "warning"
    assert health["failedSettlements"] == {"count": 1, "ids": ["failed"]}
    assert health["stuckSessions"] == {"count": 1, "ids": ["stuck"]}


def test_the_check_overwrites_the_latest_result(world: PaymentWorld) -> None:
    world.payment("s1")
    assert check(world)["status"] == "warning"
    world.recover()
    world.clock.advance(60)
    # Released by the recovery; until the webhook arrives the payment still reads authorized.
    assert check(world)["orphanHolds"]["count"] == 1
    world.store.set("payments/pi_fake0001", {"state": "canceled"}, merge=True)
    health = check(world)
    assert health["status"] == "ok"
    assert health["checkedAt"] == "2026-11-22T09:01:00+00:00"
