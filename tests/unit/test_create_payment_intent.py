import threading
from typing import Any

import pytest

from shared.kernel.commands import Caller, parse_command
from shared.kernel.errors import (
    Aborted,
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PaymentGatewayError,
    PermissionDenied,
    ResourceExhausted,
    Unauthenticated,
    Unavailable,
)
from shared.kernel.money import Currency, Money
from shared.payments.services.commands import CreatePaymentIntentCommand
from shared.payments.services.intents import PaymentIntentCreated, create_payment_intent
from tests.fakes import FakeClock, FakePaymentGateway, InMemoryStore, seeded_store

CLIENT = Caller("client1", {"role": "client"})


def command(**overrides: Any) -> CreatePaymentIntentCommand:
    data = {
        "amount": "49.00",
        "currency": "eur",
        "serviceType": "lawyer_call",
        "providerId": "lawyer1",
        "clientId": "client1",
        "callSessionId": "session1",
        **overrides,
    }
    return parse_command(CreatePaymentIntentCommand, data)


class World:
    def __init__(self) -> None:
        self.store = seeded_store()
        self.gateway = FakePaymentGateway()
        self.clock = FakeClock()

    def create(
        self, cmd: CreatePaymentIntentCommand | None = None, caller: Caller | None = CLIENT
    ) -> PaymentIntentCreated:
        return create_payment_intent(cmd or command(), caller, store=self.store, gateway=self.gateway, clock=self.clock)

    def written(self) -> dict[str, list[str]]:
        return {
            name: sorted(self.store.collection(name))
            for name in ("payments", "payment_requests", "payment_audit_logs", "rate_limits")
        }


@pytest.fixture
def world() -> World:
    return World()


def test_creates_a_manual_capture_hold_priced_by_the_server(world: World) -> None:
    result = world.create()
    assert result.amount == Money(4900, Currency.EUR)
    assert result.as_response() == {
        "clientSecret": result.client_secret,
        "paymentIntentId": result.payment_intent_id,
        "amount": 4900,
        "currency": "eur",
    }
    [request] = world.gateway.requests
    assert request.idempotency_key == "hold:session1"
    assert request.metadata == {
        "callSessionId": "session1",
        "providerId": "lawyer1",
        "clientId": "client1",
        "serviceType": "lawyer_call",
    }
    assert request.destination is None
    payment = world.store.get(f"payments/{result.payment_intent_id}")
    assert payment is not None
    assert payment["status"] == "requires_payment_method"
    assert payment["state"] == "pending"
    assert (payment["amount"], payment["currency"], payment["platformFee"], payment["providerAmount"]) == (
        4900,
        "eur",
        1900,
        3000,
    )
    assert payment["createdAt"] == world.clock.now()
    audit = world.store.collection("payment_audit_logs")
    assert [a["action"] for a in audit.values()] == ["hold_created"]


def test_same_call_session_twice_returns_the_same_hold(world: World) -> None:
    first = world.create()
    second = world.create()
    assert second == first
    assert len(world.gateway.holds) == 1
    assert len(world.store.collection("payments")) == 1


def test_replays_do_not_count_against_the_rate_limit(world: World) -> None:
    for _ in range(10):
        world.create()
    assert len(world.gateway.holds) == 1


def test_concurrent_calls_for_one_session_create_one_hold(world: World) -> None:
    results: list[Any] = []
    barrier = threading.Barrier(20)

    def run() -> None:
        barrier.wait()
        try:
            results.append(world.create())
        except Aborted as exc:  # a caller that gave up waiting may retry
            results.append(exc)

    threads = [threading.Thread(target=run) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(world.gateway.holds) == 1
    ids = {r.payment_intent_id for r in results if isinstance(r, PaymentIntentCreated)}
    assert ids == set(world.gateway.holds)


def test_a_replay_during_the_stripe_call_waits_and_gets_the_same_hold(world: World) -> None:
    # Deterministic race: the replay arrives while the first request is inside Stripe,
    # starts waiting, and the first request only then finishes recording the hold.
    replay_waiting, first_recorded = threading.Event(), threading.Event()
    replays: list[PaymentIntentCreated] = []

    def replay_starts_waiting() -> None:
        world.clock.on_sleep = None
        replay_waiting.set()
        assert first_recorded.wait(5)

    def replay_during_first_call() -> None:
        world.clock.on_sleep = replay_starts_waiting
        replay.start()
        assert replay_waiting.wait(5)

    replay = threading.Thread(target=lambda: replays.append(world.create()))
    world.gateway.during_create = replay_during_first_call
    first = world.create()
    first_recorded.set()
    replay.join(5)
    assert replays == [first]
    assert len(world.gateway.holds) == 1


def test_a_replay_that_waits_too_long_is_aborted_without_a_second_hold(world: World) -> None:
    outcome: list[Aborted] = []

    def replay_inside() -> None:
        try:
            world.create()
        except Aborted as exc:
            outcome.append(exc)

    world.gateway.during_create = replay_inside
    world.create()
    assert outcome and outcome[0].code == "ABORTED"
    assert len(world.gateway.holds) == 1


def test_session_reused_for_another_booking_is_refused(world: World) -> None:
    world.create()
    with pytest.raises(AlreadyExists) as err:
        world.create(command(providerId="expat1", serviceType="expat_call", amount=19))
    assert err.value.field == "callSessionId"


def test_client_amount_that_differs_is_rejected_with_the_expected_amount(world: World) -> None:
    with pytest.raises(InvalidArgument) as err:
        world.create(command(amount=10))
    assert err.value.field == "amount"
    assert "49.00" in err.value.message
    with pytest.raises(InvalidArgument, match=r"55\.00"):
        world.create(command(currency="usd", amount=49))
    assert world.written() == {"payments": [], "payment_requests": [], "payment_audit_logs": [], "rate_limits": []}


def test_usd_and_expat_prices(world: World) -> None:
    assert world.create(command(currency="usd", amount=55)).amount == Money(5500, Currency.USD)
    expat = world.create(command(providerId="expat1", serviceType="expat_call", amount="19.00", callSessionId="s2"))
    assert expat.amount == Money(1900, Currency.EUR)


def test_provider_price_override(world: World) -> None:
    world.store.set("sos_profiles/lawyer1", {"priceOverrides": {"lawyer_call": {"eur": {"amount": 5900}}}}, merge=True)
    with pytest.raises(InvalidArgument, match=r"59\.00"):
        world.create()
    assert world.create(command(amount=59)).amount.minor == 5900


def test_authentication_and_ownership(world: World) -> None:
    with pytest.raises(Unauthenticated):
        world.create(caller=None)
    with pytest.raises(PermissionDenied, match="clientId"):
        world.create(caller=Caller("someone_else", {"role": "client"}))
    assert world.written()["payments"] == []
    admin = world.create(caller=Caller("admin1", {"admin": True}))
    assert admin.payment_intent_id


@pytest.mark.parametrize(
    ("profile", "error", "field"),
    [
        (None, NotFound, "providerId"),
        ({"type": "lawyer", "approvalStatus": "pending", "isVisible": True}, FailedPrecondition, "providerId"),
        ({"type": "lawyer", "approvalStatus": "approved", "isVisible": False}, FailedPrecondition, "providerId"),
        ({"type": "expat", "approvalStatus": "approved", "isVisible": True}, InvalidArgument, "serviceType"),
    ],
)
def test_unknown_unapproved_hidden_or_mismatched_provider(
    world: World, profile: dict[str, Any] | None, error: type[Exception], field: str
) -> None:
    world.store.docs.pop("sos_profiles/lawyer1")
    if profile is not None:
        world.store.set("sos_profiles/lawyer1", profile)
    with pytest.raises(error) as err:
        world.create()
    assert getattr(err.value, "field", None) == field
    assert world.gateway.requests == []
    assert world.written()["payment_requests"] == []


def test_rate_limit_per_client(world: World) -> None:
    for i in range(5):
        world.create(command(callSessionId=f"s{i}"))
    before = world.written()
    with pytest.raises(ResourceExhausted, match="retry in"):
        world.create(command(callSessionId="s5"))
    assert world.written() == before
    world.clock.advance(601)
    world.create(command(callSessionId="s5"))


def test_rate_limit_comes_from_settings(world: World) -> None:
    world.store.set("settings/payments", {"createPaymentIntentRateLimit": {"maxRequests": 1, "windowSeconds": 60}})
    world.create(command(callSessionId="a"))
    with pytest.raises(ResourceExhausted):
        world.create(command(callSessionId="b"))


def test_destination_charge_when_the_provider_account_can_receive_transfers(world: World) -> None:
    world.store.set("sos_profiles/lawyer1/private/account", {"stripeAccountId": "acct_ok"})
    world.gateway.transfer_accounts["acct_ok"] = True
    result = world.create()
    [request] = world.gateway.requests
    assert request.destination is not None
    assert request.destination.account_id == "acct_ok"
    assert request.destination.application_fee == Money(1900, Currency.EUR)
    payment = world.store.get(f"payments/{result.payment_intent_id}")
    assert payment is not None and payment["destinationAccountId"] == "acct_ok"


def test_no_destination_when_transfers_are_not_active(world: World) -> None:
    world.store.set("sos_profiles/lawyer1/private/account", {"stripeAccountId": "acct_pending"})
    world.gateway.transfer_accounts["acct_pending"] = False
    world.create()
    assert world.gateway.requests[0].destination is None


def test_a_retry_after_a_stripe_server_error_uses_the_next_idempotency_key(world: World) -> None:
    world.gateway.failures.append(PaymentGatewayError("stripe 500", retryable=True))
    with pytest.raises(Unavailable):
        world.create()
    assert world.written()["payments"] == []
    result = world.create()  # Stripe saved the 500 under hold:session1 and would replay it
    assert world.gateway.keys_used == ["hold:session1", "hold:session1:1"]
    assert [r.idempotency_key for r in world.gateway.requests] == ["hold:session1:1"]
    assert world.store.get("payment_requests/session1")["paymentIntentId"] == result.payment_intent_id  # type: ignore[index]


def test_permanent_stripe_refusal_is_a_failed_precondition(world: World) -> None:
    world.gateway.failures.append(PaymentGatewayError("invalid currency", retryable=False))
    with pytest.raises(FailedPrecondition):
        world.create()


def test_a_crashed_attempt_is_taken_over_after_its_lease(world: World) -> None:
    world.store.set(
        "payment_requests/session1",
        {
            "clientId": "client1",
            "providerId": "lawyer1",
            "serviceType": "lawyer_call",
            "amount": 4900,
            "currency": "eur",
            "state": "creating",
            "attempts": 1,
            "leaseUntil": world.clock.now(),
        },
    )
    world.clock.advance(1)
    result = world.create()
    assert world.store.get("payment_requests/session1")["attempts"] == 2  # type: ignore[index]
    assert result.payment_intent_id in world.gateway.holds


def test_store_fake_enforces_firestore_read_before_write() -> None:
    store = InMemoryStore()

    def bad(tx: Any) -> None:
        tx.set("a/1", {"x": 1})
        tx.get("a/2")

    with pytest.raises(AssertionError):
        store.run_transaction(bad)
