from datetime import timedelta
from typing import Any

import pytest

from shared.calls.domain.settings import RecoverySettings
from shared.calls.services.payment_recovery import RecoveryReport, recover_stuck_payments
from shared.kernel.errors import PaymentGatewayError
from shared.kernel.store import Document, Filter
from shared.payments.ports.payments import Hold
from tests.fakes import InMemoryStore, TransactionGuardedGateway
from tests.unit.payment_builders import PROVIDER, PaymentWorld


@pytest.fixture
def world() -> PaymentWorld:
    return PaymentWorld()


def settled_session(world: PaymentWorld, call_session_id: str, *, action: str, state: str, attempts: int = 0) -> str:
    payment_id = world.payment(call_session_id)
    payment: dict[str, Any] = {"action": action, "state": state}
    if attempts:
        payment.update({"attempts": attempts, "lastError": "stripe is down"})
    status = "completed" if action == "capture" else "failed"
    world.session(call_session_id, payment_id, status=status, payment=payment, endedAt=world.ago(minutes=30))
    return payment_id


def test_settings_defaults_and_overrides() -> None:
    assert RecoverySettings.from_document(None).to_document() == {
        "orphanHoldMinutes": 30,
        "stuckSessionMinutes": 120,
        "captureBeforeMarginHours": 24,
        "maxSettlementAttempts": 5,
    }
    assert RecoverySettings.from_document({"maxSettlementAttempts": 2}).max_settlement_attempts == 2


def test_the_gateway_fake_refuses_calls_inside_a_transaction(world: PaymentWorld) -> None:
    payment_id = world.hold("s1")
    with pytest.raises(AssertionError, match="inside a transaction"):
        world.store.run_transaction(lambda tx: world.gateway.release_hold(payment_id, "release:s1"))


# (a) settlements of finished sessions


@pytest.mark.parametrize(("action", "expected"), [("capture", "succeeded"), ("release", "canceled")])
def test_retries_a_failed_settlement(world: PaymentWorld, action: str, expected: str) -> None:
    payment_id = settled_session(world, "s1", action=action, state="failed", attempts=2)
    report = world.recover()
    assert report.settlements_retried == ["s1"]
    assert report.settlements_failed == []
    assert world.gateway.settlements == [(expected, payment_id, f"{action}:s1")]
    session = world.doc("call_sessions/s1")
    assert session["payment"]["state"] == ("captured" if action == "capture" else "released")


def test_retries_a_pending_settlement_once_the_normal_flow_had_its_chance(world: PaymentWorld) -> None:
    payment_id = world.payment("s1")
    world.session(
        "s1", payment_id, status="failed", payment={"action": "release", "state": "pending"}, endedAt=world.now
    )
    assert world.recover().settlements_retried == []
    assert world.gateway.settlements == []
    world.clock.advance(6 * 60)
    assert world.recover().settlements_retried == ["s1"]
    assert world.doc("call_sessions/s1")["payment"]["state"] == "released"


def test_a_settlement_that_fails_again_counts_one_more_attempt(world: PaymentWorld) -> None:
    settled_session(world, "s1", action="capture", state="failed", attempts=1)
    world.gateway.failures.append(PaymentGatewayError("stripe is down", retryable=True))
    report = world.recover()
    assert report.settlements_retried == ["s1"]
    assert report.settlements_failed == ["s1"]
    assert world.doc("call_sessions/s1")["payment"]["attempts"] == 2


def test_flags_instead_of_retrying_once_attempts_are_exhausted(world: PaymentWorld) -> None:
    world.store.set("settings/payments_recovery", {"maxSettlementAttempts": 3})
    settled_session(world, "s1", action="capture", state="failed", attempts=3)
    settled_session(world, "s2", action="capture", state="failed", attempts=2)
    report = world.recover()
    assert report.flagged == ["s1"]
    assert report.settlements_retried == ["s2"]
    assert world.settled == ["s2"]
    flag = world.doc("call_sessions/s1")["recoveryFlag"]
    assert flag == {"reason": "settlement_attempts_exhausted", "flaggedAt": world.now}

    before = world.snapshot(without=("payment_recovery_reports",))
    world.clock.advance(60)
    again = world.recover()
    assert again.flagged == []
    assert again.already_flagged == ["s1"]
    assert world.snapshot(without=("payment_recovery_reports",)) == before


def test_a_settle_that_raises_is_reported_and_the_run_goes_on() -> None:
    world = PaymentWorld()
    settled_session(world, "s1", action="capture", state="failed", attempts=1)
    settled_session(world, "s2", action="capture", state="failed", attempts=1)

    def settle(call_session_id: str) -> str:
        if call_session_id == "s1":
            raise RuntimeError("boom")
        return world.settle(call_session_id)

    report = recover_stuck_payments(
        store=world.store, gateway=world.gateway, clock=world.clock, settle=settle, telephony=world.telephony
    )
    assert report.errors == ["s1: boom"]
    assert world.doc("call_sessions/s2")["payment"]["state"] == "captured"


def test_only_finished_sessions_are_settled(world: PaymentWorld) -> None:
    payment_id = world.payment("s1")
    world.session(
        "s1", payment_id, status="calling_provider", created=world.ago(minutes=10), payment={"state": "failed"}
    )
    assert world.recover().settlements_retried == []
    assert world.settled == []


def test_settled_sessions_are_left_alone(world: PaymentWorld) -> None:
    settled_session(world, "s1", action="capture", state="captured")
    settled_session(world, "s2", action="release", state="released")
    report = world.recover()
    assert report.as_dict()["counts"] == dict.fromkeys(report.as_dict()["counts"], 0)
    assert world.settled == []


# (b) holds without a session


def test_releases_an_authorized_hold_that_never_got_a_session(world: PaymentWorld) -> None:
    payment_id = world.payment("s1", created=world.ago(minutes=31))
    report = world.recover()
    assert report.holds_released == [payment_id]
    assert world.gateway.settlements == [("canceled", payment_id, "release:s1")]
    audit = world.doc(f"payment_audit_logs/{payment_id}_recovery_release")
    assert audit["action"] == "hold_released"
    assert audit["reason"] == "orphan_hold"
    assert audit["callSessionId"] == "s1"
    assert audit["at"] == world.now
    # The Stripe webhook, not the recovery, moves the payment to canceled.
    assert world.doc(f"payments/{payment_id}")["state"] == "authorized"

    world.clock.advance(60)
    again = world.recover()
    assert again.holds_released == []
    assert len(world.gateway.settlements) == 1


@pytest.mark.parametrize(
    "payment",
    [
        {"created_minutes": 29},  # too recent
        {"created_minutes": 90, "authorized_minutes": 10},  # authorized recently (slow 3-D Secure)
        {"created_minutes": 90, "state": "pending"},
        {"created_minutes": 90, "state": "canceled"},
    ],
)
def test_leaves_holds_that_are_not_orphans_yet(world: PaymentWorld, payment: dict[str, Any]) -> None:
    extra: dict[str, Any] = {}
    if "authorized_minutes" in payment:
        extra["authorizedAt"] = world.ago(minutes=payment["authorized_minutes"])
    world.payment(
        "s1", state=payment.get("state", "authorized"), created=world.ago(minutes=payment["created_minutes"]), **extra
    )
    assert world.recover().holds_released == []
    assert world.gateway.settlements == []


def test_a_hold_with_its_session_is_not_an_orphan(world: PaymentWorld) -> None:
    payment_id = world.payment("s1", created=world.ago(minutes=50))
    world.session("s1", payment_id, status="calling_provider", created=world.ago(minutes=45))
    assert world.recover().holds_released == []
    assert world.gateway.settlements == []


class ConcurrentRunGateway(TransactionGuardedGateway):
    """Another recovery run records the same release while this one talks to Stripe."""

    def release_hold(self, hold_id: str, idempotency_key: str) -> Hold:
        hold = super().release_hold(hold_id, idempotency_key)
        assert self.store is not None
        self.store.set(f"payment_audit_logs/{hold_id}_recovery_release", {"actor": "other run"})
        return hold


def test_an_orphan_release_recorded_by_a_concurrent_run_is_recorded_once() -> None:
    world = PaymentWorld()
    world.gateway = ConcurrentRunGateway(store=world.store)
    payment_id = world.payment("s1")
    assert world.recover().holds_released == [payment_id]
    assert world.doc(f"payment_audit_logs/{payment_id}_recovery_release") == {"actor": "other run"}


def test_an_orphan_release_that_fails_is_retried_next_run(world: PaymentWorld) -> None:
    payment_id = world.payment("s1")
    world.gateway.failures.append(PaymentGatewayError("stripe is down", retryable=True))
    report = world.recover()
    assert report.holds_released == []
    assert report.errors == [f"{payment_id}: stripe is down"]
    assert world.store.get(f"payment_audit_logs/{payment_id}_recovery_release") is None
    assert world.recover().holds_released == [payment_id]
    assert world.gateway.keys_used[-2:] == ["release:s1", "release:s1:1"]


def test_an_orphan_hold_stripe_will_not_release_is_reported(world: PaymentWorld) -> None:
    payment_id = world.payment("s1")
    world.gateway.capture_hold(payment_id, "capture:elsewhere")
    report = world.recover()
    assert report.holds_released == []
    assert report.errors == [f"{payment_id}: stripe answered succeeded to release"]


# (c) sessions that made no progress


@pytest.mark.parametrize("status", ["scheduled", "calling_provider", "provider_connected", "calling_client"])
def test_fails_and_releases_a_session_stuck_for_too_long(world: PaymentWorld, status: str) -> None:
    payment_id = world.payment("s1")
    world.session("s1", payment_id, status=status, created=world.ago(minutes=121))
    report = world.recover()
    assert report.sessions_failed == ["s1"]
    session = world.doc("call_sessions/s1")
    assert session["status"] == "failed"
    assert session["failureReason"] == "stuck"
    assert session["endedAt"] == world.now
    assert session["payment"]["action"] == "release"
    assert session["payment"]["state"] == "released"
    assert world.gateway.settlements == [("canceled", payment_id, "release:s1")]
    assert world.doc(f"sos_profiles/{PROVIDER}/private/account")["currentCallSessionId"] is None
    assert world.doc(f"sos_profiles/{PROVIDER}")["availability"] == "available"
    assert world.doc("mail/call_failed_s1")["template"]["name"] == "call_failed"


def test_a_young_session_is_not_stuck(world: PaymentWorld) -> None:
    payment_id = world.payment("s1")
    world.session("s1", payment_id, status="calling_provider", created=world.ago(minutes=119))
    assert world.recover().sessions_failed == []
    assert world.doc("call_sessions/s1")["status"] == "calling_provider"


def test_an_active_call_is_flagged_not_failed(world: PaymentWorld) -> None:
    payment_id = world.payment("s1")
    world.session("s1", payment_id, status="active", created=world.ago(hours=5))
    report = world.recover()
    assert report.sessions_failed == []
    assert report.flagged == ["s1"]
    session = world.doc("call_sessions/s1")
    assert session["status"] == "active"
    assert session["recoveryFlag"]["reason"] == "active_too_long"
    assert world.gateway.settlements == []
    assert world.recover().already_flagged == ["s1"]


@pytest.mark.parametrize("status", ["scheduled", "calling_provider", "calling_client"])
def test_fails_a_session_whose_hold_lapses_soon_when_no_call_is_live(world: PaymentWorld, status: str) -> None:
    payment_id = world.payment("s1", captureBefore=world.now + timedelta(hours=23))
    world.session("s1", payment_id, status=status, created=world.ago(minutes=10))
    report = world.recover()
    assert report.sessions_failed == ["s1"]
    assert world.doc("call_sessions/s1")["payment"]["state"] == "released"


@pytest.mark.parametrize(
    ("status", "capture_before_hours"),
    [("provider_connected", 2), ("scheduled", 25)],
)
def test_leaves_a_young_session_with_a_live_call_or_a_distant_deadline(
    world: PaymentWorld, status: str, capture_before_hours: int
) -> None:
    payment_id = world.payment("s1", captureBefore=world.now + timedelta(hours=capture_before_hours))
    world.session("s1", payment_id, status=status, created=world.ago(minutes=10))
    report = world.recover()
    assert report.sessions_failed == report.flagged == []
    assert world.doc("call_sessions/s1")["status"] == status


class RacingStore(InMemoryStore):
    """The session moves on right after the query for stuck sessions (the last one), before the
    transaction that would fail it."""

    def __init__(self, status: str) -> None:
        super().__init__()
        self.status = status

    def find(self, collection: str, filters: list[Filter], **options: Any) -> list[tuple[str, Document]]:
        found = super().find(collection, filters, **options)
        if collection == "call_sessions" and filters and filters[0][0] == "status":
            self.set("call_sessions/s1", {"status": self.status}, merge=True)
        return found


@pytest.mark.parametrize(
    ("created_minutes", "moved_to"),
    [(10, "provider_connected"), (10, "completed"), (180, "completed")],
)
def test_a_session_that_moved_on_meanwhile_is_left_alone(created_minutes: int, moved_to: str) -> None:
    world = PaymentWorld(RacingStore(moved_to))
    payment_id = world.payment("s1", captureBefore=world.now + timedelta(hours=2))
    world.session("s1", payment_id, status="calling_provider", created=world.ago(minutes=created_minutes))
    report = world.recover()
    assert report.sessions_failed == report.errors == []
    assert world.doc("call_sessions/s1")["status"] == moved_to


def test_a_stuck_session_whose_release_fails_is_retried_by_the_next_run(world: PaymentWorld) -> None:
    payment_id = world.payment("s1")
    world.session("s1", payment_id, status="scheduled", created=world.ago(hours=3))
    world.gateway.failures.append(PaymentGatewayError("stripe is down", retryable=True))
    report = world.recover()
    assert report.sessions_failed == report.settlements_failed == ["s1"]
    assert world.doc("call_sessions/s1")["payment"]["state"] == "failed"
    again = world.recover()
    assert again.sessions_failed == []
    assert again.settlements_retried == ["s1"]
    assert world.doc("call_sessions/s1")["payment"]["state"] == "released"


def test_a_malformed_stuck_session_is_reported_and_the_run_goes_on(world: PaymentWorld) -> None:
    world.store.set("call_sessions/bad", {"status": "scheduled", "createdAt": world.ago(hours=3)})
    payment_id = world.payment("s1")
    world.session("s1", payment_id, status="scheduled", created=world.ago(hours=3))
    report = world.recover()
    assert [error.split(":")[0] for error in report.errors] == ["bad"]
    assert report.sessions_failed == ["s1"]


# (d) the report, and a second run


def test_everything_at_once_then_a_second_run_does_nothing_new(world: PaymentWorld) -> None:
    retried = settled_session(world, "retry", action="capture", state="failed", attempts=1)
    settled_session(world, "exhausted", action="capture", state="failed", attempts=5)
    orphan = world.payment("orphan")
    stuck = world.payment("stuck")
    world.session("stuck", stuck, status="calling_client", created=world.ago(hours=4))
    lapsing = world.payment("lapsing", captureBefore=world.now + timedelta(hours=1))
    world.session("lapsing", lapsing, status="scheduled", created=world.ago(minutes=5))
    active = world.payment("active", captureBefore=world.now + timedelta(hours=1))
    world.session("active", active, status="active", created=world.ago(hours=4))

    report = world.recover()
    assert report.as_dict() == {
        "ranAt": "2026-11-22T09:00:00+00:00",
        "counts": {
            "settlementsRetried": 1,
            "settlementsFailed": 0,
            "holdsReleased": 1,
            "sessionsFailed": 2,
            "settledFromRecords": 0,
            "flagged": 2,
            "alreadyFlagged": 0,
            "errors": 0,
        },
        "settlementsRetried": ["retry"],
        "settlementsFailed": [],
        "holdsReleased": [orphan],
        "sessionsFailed": ["stuck", "lapsing"],
        "settledFromRecords": [],  # Twilio has no record of `active`'s calls: flagged instead
        "flagged": ["exhausted", "active"],
        "alreadyFlagged": [],
        "errors": [],
    }
    assert world.doc("payment_recovery_reports/20261122T090000") == report.as_dict()
    assert sorted(world.gateway.settlements) == sorted(
        [
            ("succeeded", retried, "capture:retry"),
            ("canceled", orphan, "release:orphan"),
            ("canceled", stuck, "release:stuck"),
            ("canceled", lapsing, "release:lapsing"),
        ]
    )

    before = world.snapshot(without=("payment_recovery_reports",))
    settlements = list(world.gateway.settlements)
    world.clock.advance(60)
    again = world.recover()
    assert again.as_dict()["counts"] == {**dict.fromkeys(report.as_dict()["counts"], 0), "alreadyFlagged": 2}
    assert world.gateway.settlements == settlements
    assert world.snapshot(without=("payment_recovery_reports",)) == before
    assert sorted(world.store.collection("payment_recovery_reports")) == ["20261122T090000", "20261122T090100"]


def test_an_empty_run_still_writes_its_report(world: PaymentWorld) -> None:
    report = world.recover()
    assert isinstance(report, RecoveryReport)
    assert world.doc("payment_recovery_reports/20261122T090000")["counts"]["holdsReleased"] == 0
