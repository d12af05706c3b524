"""Booking as soon as Stripe.js confirmed the card, and who may book (issue 9, items 1 and 11)."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from shared.calls.services.commands import CreateAndScheduleCallCommand
from shared.kernel.commands import Caller
from shared.kernel.errors import (
    DomainError,
    FailedPrecondition,
    InvalidArgument,
    PaymentGatewayError,
    PermissionDenied,
    Unavailable,
)
from shared.payments.services.events import AMOUNT_CAPTURABLE_UPDATED, PAYMENT_INTENT_HANDLERS
from tests.fakes import payment_intent_event
from tests.unit.call_world import PROVIDER, CallWorld

CLIENT = Caller("client1", {"role": "client"})


@pytest.fixture
def world() -> CallWorld:
    return CallWorld(calls={"scheduleDelaySeconds": 120})


def _pending(world: CallWorld, *, authorised_at_stripe: bool, capture_before: datetime | None = None) -> str:
    """The hold as the booking finds it before the webhook: `pending` in Firestore."""
    payment_id = world.pay("s1", state="pending")
    if authorised_at_stripe:
        world.gateway.authorize(payment_id, capture_before=capture_before)
    else:
        world.gateway.holds[payment_id] = replace(world.gateway.holds[payment_id], status="requires_payment_method")
    return payment_id


def _refused(world: CallWorld, cmd: CreateAndScheduleCallCommand, caller: Caller = CLIENT) -> DomainError:
    before = dict(world.store.versions)
    with pytest.raises(DomainError) as raised:
        world.schedule(cmd, caller)
    assert world.store.versions == before, "a refused booking writes nothing"
    return raised.value


def test_booking_before_the_webhook_asks_stripe_and_records_the_authorisation(world: CallWorld) -> None:
    lapses = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
    payment_id = _pending(world, authorised_at_stripe=True, capture_before=lapses)
    scheduled = world.schedule(world.command(payment_id), CLIENT)
    assert scheduled.call_session_id == "s1"
    payment = world.store.get(f"payments/{payment_id}")
    assert payment is not None
    assert (payment["state"], payment["status"], payment["amountCapturable"]) == (
        "authorized",
        "requires_capture",
        4900,
    )
    assert payment["captureBefore"] == lapses and payment["authorizedAt"] == world.clock.now()
    audit = world.store.get(f"payment_audit_logs/{payment_id}_retrieved_authorized")
    assert audit is not None and (audit["fromState"], audit["toState"]) == ("pending", "authorized")


def test_the_late_webhook_then_changes_nothing(world: CallWorld) -> None:
    payment_id = _pending(world, authorised_at_stripe=True)
    world.schedule(world.command(payment_id), CLIENT)
    recorded = world.store.get(f"payments/{payment_id}")
    intent = {"id": payment_id, "status": "requires_capture", "amount_capturable": 4900, "latest_charge": "ch_1"}
    event = payment_intent_event("evt_late", AMOUNT_CAPTURABLE_UPDATED, intent)
    world.store.run_transaction(
        lambda tx: PAYMENT_INTENT_HANDLERS[AMOUNT_CAPTURABLE_UPDATED](tx, event, world.clock.now())
    )
    assert world.store.get(f"payments/{payment_id}") == recorded


def test_a_hold_stripe_has_not_authorised_is_still_refused(world: CallWorld) -> None:
    payment_id = _pending(world, authorised_at_stripe=False)
    refused = _refused(world, world.command(payment_id))
    assert isinstance(refused, FailedPrecondition) and refused.field == "paymentIntentId"
    assert "state pending" in refused.message


def test_a_hold_authorised_for_another_amount_is_refused(world: CallWorld) -> None:
    payment_id = _pending(world, authorised_at_stripe=True)
    hold = world.gateway.holds[payment_id]
    world.gateway.holds[payment_id] = replace(hold, amount_capturable=100)
    assert isinstance(_refused(world, world.command(payment_id)), FailedPrecondition)


def test_stripe_unreachable_while_checking_the_hold_is_unavailable(world: CallWorld) -> None:
    payment_id = _pending(world, authorised_at_stripe=True)
    world.gateway.retrieve_failures.append(PaymentGatewayError("timeout", retryable=True))
    assert isinstance(_refused(world, world.command(payment_id)), Unavailable)


def test_an_authorised_hold_in_firestore_needs_no_stripe_call(world: CallWorld) -> None:
    payment_id = world.pay("s1")
    world.gateway.retrieve_failures.append(PaymentGatewayError("must not be asked", retryable=True))
    assert world.schedule(world.command(payment_id), CLIENT).call_session_id == "s1"


# --- who may book (item 11) -------------------------------------------------------------------


@pytest.mark.parametrize("claims", [{}, {"role": "lawyer"}, {"role": "chatter"}, {"role": "Client"}])
def test_only_a_client_account_books(world: CallWorld, claims: dict[str, object]) -> None:
    refused = _refused(world, world.command(world.pay()), Caller("client1", claims))
    assert isinstance(refused, PermissionDenied)


def test_a_provider_cannot_book_themselves(world: CallWorld) -> None:
    payment_id = world.pay("s1", client_id=PROVIDER)
    refused = _refused(world, world.command(payment_id, client_id=PROVIDER), Caller(PROVIDER, {"role": "client"}))
    assert isinstance(refused, InvalidArgument) and refused.field == "providerId"


@pytest.mark.parametrize(
    "number",
    [
        "+33899123456",  # premium rate
        "+33800123456",  # toll free
        "+33810123456",  # shared cost
        "+447640123456",  # UK pager
        "+445512345678",  # UK UAN
        "+441632960001",  # reserved for drama, not assigned
    ],
)
def test_only_numbers_a_person_answers_are_dialled(world: CallWorld, number: str) -> None:
    with pytest.raises(InvalidArgument) as raised:
        world.command(world.pay(), clientPhone=number)
    assert raised.value.field == "clientPhone"


@pytest.mark.parametrize("number", ["+33612345678", "+33142685300", "+14155552671"])
def test_mobile_and_fixed_line_numbers_are_accepted(world: CallWorld, number: str) -> None:
    assert world.command(world.pay(), clientPhone=number).clientPhone == number


def test_capture_before_defaults_to_seven_days_after_authorisation_when_the_charge_is_an_id(
    world: CallWorld,
) -> None:
    payment_id = world.pay("s1", state="pending")
    intent = {"id": payment_id, "status": "requires_capture", "amount_capturable": 4900, "latest_charge": "ch_1"}
    event = payment_intent_event("evt_1", AMOUNT_CAPTURABLE_UPDATED, intent, created=1_800_000_000)
    world.store.run_transaction(
        lambda tx: PAYMENT_INTENT_HANDLERS[AMOUNT_CAPTURABLE_UPDATED](tx, event, world.clock.now())
    )
    payment = world.store.get(f"payments/{payment_id}")
    assert payment is not None
    authorised = datetime.fromtimestamp(1_800_000_000, UTC)
    assert payment["authorizedAt"] == authorised and payment["captureBefore"] == authorised + timedelta(days=7)


def test_the_authorisation_webhook_asks_stripe_for_the_charge_it_sends_as_an_id(world: CallWorld) -> None:
    from shared.payments.services.events import payment_intent_refresher

    lapses = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    payment_id = world.pay("s1", state="pending")
    world.gateway.authorize(payment_id, capture_before=lapses)
    intent = {"id": payment_id, "status": "requires_capture", "amount_capturable": 4900, "latest_charge": "ch_1"}
    event = payment_intent_refresher(world.gateway)(payment_intent_event("evt_1", AMOUNT_CAPTURABLE_UPDATED, intent))
    world.store.run_transaction(
        lambda tx: PAYMENT_INTENT_HANDLERS[AMOUNT_CAPTURABLE_UPDATED](tx, event, world.clock.now())
    )
    payment = world.store.get(f"payments/{payment_id}")
    assert payment is not None and payment["captureBefore"] == lapses


def test_the_webhook_falls_back_to_seven_days_when_stripe_cannot_be_asked(world: CallWorld) -> None:
    from shared.payments.services.events import payment_intent_refresher

    payment_id = world.pay("s1", state="pending")
    world.gateway.retrieve_failures.append(PaymentGatewayError("timeout", retryable=True))
    intent = {"id": payment_id, "latest_charge": "ch_1"}
    event = payment_intent_event("evt_1", AMOUNT_CAPTURABLE_UPDATED, intent)
    assert payment_intent_refresher(world.gateway)(event) == event
