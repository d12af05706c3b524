"""createPaymentIntent: price the call on the server and put a card hold in place, once.

Order matters: (1) a Firestore transaction reserves `payment_requests/{callSessionId}` and
counts the attempt against the client's rate limit; (2) Stripe is called outside any
transaction with an idempotency key derived from the session; (3) a second transaction
records the PaymentIntent. A replay of the same session returns the recorded hold; a replay
racing an in-flight creation waits for it. Stripe forgets idempotency keys after 24 h, so the
reservation, not Stripe, guarantees a single hold. Stripe also replays a saved server error for
its key, so the attempt after a retryable failure uses the next key (`hold:{id}:{n}`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shared.kernel import errors
from shared.kernel.clock import Clock
from shared.kernel.commands import Caller, require_booking_client
from shared.kernel.money import Money
from shared.kernel.reservation import leased, wait_for
from shared.kernel.store import DocumentStore, Transaction
from shared.payments.adapters import payment_repository
from shared.payments.domain.payment import PaymentState
from shared.payments.domain.pricing import PricingTable, Quote, ServiceType, quote
from shared.payments.domain.settings import PaymentSettings
from shared.payments.ports.payments import Destination, Hold, HoldRequest, PaymentGateway
from shared.payments.services.commands import CreatePaymentIntentCommand

log = logging.getLogger(__name__)

RESERVATION_LEASE = timedelta(seconds=60)
WAIT_FOR_INFLIGHT_SECONDS = 15.0
WAIT_STEP_SECONDS = 0.25


@dataclass(frozen=True)
class PaymentIntentCreated:
    client_secret: str
    payment_intent_id: str
    amount: Money

    def as_response(self) -> dict[str, Any]:
        return {
            "clientSecret": self.client_secret,
            "paymentIntentId": self.payment_intent_id,
            "amount": self.amount.minor,
            "currency": self.amount.currency.value,
        }


@dataclass(frozen=True)
class _Existing:
    payment_intent_id: str


class _InFlight:
    pass


@dataclass(frozen=True)
class _Reserved:
    key_attempt: int = 0


def hold_idempotency_key(call_session_id: str, key_attempt: int = 0) -> str:
    """`hold:{id}` first; `hold:{id}:{n}` after the n-th retryable failure (Stripe replays a saved 5xx)."""
    base = f"hold:{call_session_id}"
    return base if key_attempt == 0 else f"{base}:{key_attempt}"


def create_payment_intent(
    cmd: CreatePaymentIntentCommand,
    caller: Caller | None,
    *,
    store: DocumentStore,
    gateway: PaymentGateway,
    clock: Clock,
) -> PaymentIntentCreated:
    require_booking_client(caller, cmd.clientId, cmd.providerId)
    profile = _approved_provider(store, cmd.providerId, cmd.serviceType)
    settings = PaymentSettings.from_document(store.get("settings/payments"))
    outcome, price = store.run_transaction(lambda tx: _reserve(tx, cmd, profile, settings, clock.now()))
    if isinstance(outcome, _InFlight):
        outcome = _wait_for_inflight(store, clock, cmd.callSessionId)
    if isinstance(outcome, _Existing):
        return _replay(gateway, outcome.payment_intent_id)

    assert isinstance(outcome, _Reserved)
    hold, destination = _create_hold(store, gateway, clock, cmd, profile, price, outcome.key_attempt)
    store.run_transaction(lambda tx: _record(tx, cmd, price, hold, destination, clock.now()))
    log.info(
        "payment hold created",
        extra={"json_fields": {"paymentIntentId": hold.id, "callSessionId": cmd.callSessionId}},
    )
    return PaymentIntentCreated(hold.client_secret, hold.id, hold.amount)


def _approved_provider(store: DocumentStore, provider_id: str, service_type: ServiceType) -> dict[str, Any]:
    """The public profile, with the private account's `stripeAccountId` (the destination)."""
    from shared.accounts.services.provider_profiles import profile_path, read_account

    profile = store.get(profile_path(provider_id))
    if profile is None:
        raise errors.NotFound(f"providerId: no provider {provider_id!r}", field="providerId")
    if profile.get("approvalStatus") != "approved" or profile.get("isVisible") is not True:
        raise errors.FailedPrecondition("providerId: this provider is not approved or not visible", field="providerId")
    expected = ServiceType.for_provider_type(str(profile.get("type")))
    if expected is not service_type:
        raise errors.InvalidArgument(
            "serviceType", f"this provider offers {expected.value if expected else 'no calls'}"
        )
    return {**profile, "stripeAccountId": read_account(store, provider_id).get("stripeAccountId")}


def _reservation_path(call_session_id: str) -> str:
    return payment_repository.request_path(call_session_id)


def _price(tx: Transaction, cmd: CreatePaymentIntentCommand, profile: dict[str, Any]) -> Quote:
    """Read in the transaction, never from an instance's copy: after a price change the next hold
    uses the new price and the old amount is refused."""
    pricing = PricingTable.from_document(tx.get("settings/pricing"))
    price = quote(pricing, cmd.serviceType, cmd.currency, profile.get("priceOverrides"))
    if cmd.amount != price.total.minor:
        raise errors.InvalidArgument(
            "amount", f"does not match the price of this call; expected {price.total.major_str()}"
        )
    return price


def _reserve(
    tx: Transaction, cmd: CreatePaymentIntentCommand, profile: dict[str, Any], settings: PaymentSettings, now: datetime
) -> tuple[_Existing | _InFlight | _Reserved, Quote]:
    price = _price(tx, cmd, profile)
    return _reserve_at(tx, cmd, price, settings, now), price


def _reserve_at(
    tx: Transaction, cmd: CreatePaymentIntentCommand, price: Quote, settings: PaymentSettings, now: datetime
) -> _Existing | _InFlight | _Reserved:
    path = _reservation_path(cmd.callSessionId)
    limiter_path = f"rate_limits/createPaymentIntent_{cmd.clientId}"
    reservation = tx.get(path)
    limiter = tx.get(limiter_path) or {}
    if reservation is not None:
        same_booking = (
            reservation.get("clientId") == cmd.clientId
            and reservation.get("providerId") == cmd.providerId
            and reservation.get("serviceType") == cmd.serviceType.value
            and reservation.get("amount") == price.total.minor
            and reservation.get("currency") == price.total.currency.value
        )
        if not same_booking:
            raise errors.AlreadyExists("callSessionId: already used for another booking", field="callSessionId")
        if reservation.get("paymentIntentId"):
            return _Existing(reservation["paymentIntentId"])
        if leased(reservation, now):
            return _InFlight()
        # The previous attempt died or failed: take over (with the key its failure left).
        tx.update(path, {"leaseUntil": now + RESERVATION_LEASE, "attempts": reservation.get("attempts", 1) + 1})
        return _Reserved(int(reservation.get("keyAttempt", 0)))

    rule = settings.create_payment_intent_rate_limit.as_rule()
    decision = rule.decide(list(limiter.get("attempts", [])), now.timestamp())
    if not decision.allowed:
        raise errors.ResourceExhausted(f"too many payment attempts; retry in {decision.retry_after_seconds} seconds")
    tx.set(limiter_path, {"attempts": decision.recent, "updatedAt": now})
    tx.create(
        path,
        {
            **_booking(cmd, price),
            "state": "creating",
            "attempts": 1,
            "leaseUntil": now + RESERVATION_LEASE,
            "createdAt": now,
        },
    )
    return _Reserved()


def _booking(cmd: CreatePaymentIntentCommand, price: Quote) -> dict[str, Any]:
    """What identifies the booking on its reservation and its payment."""
    return {
        "callSessionId": cmd.callSessionId,
        "clientId": cmd.clientId,
        "providerId": cmd.providerId,
        "serviceType": cmd.serviceType.value,
        "amount": price.total.minor,
        "currency": price.total.currency.value,
    }


def _wait_for_inflight(store: DocumentStore, clock: Clock, call_session_id: str) -> _Existing:
    def created() -> _Existing | bool | None:
        reservation = store.get(_reservation_path(call_session_id)) or {}
        if reservation.get("paymentIntentId"):
            return _Existing(reservation["paymentIntentId"])
        return False if reservation.get("state") == "failed" else None

    answer = wait_for(created, clock=clock, seconds=WAIT_FOR_INFLIGHT_SECONDS, step=WAIT_STEP_SECONDS)
    if isinstance(answer, _Existing):
        return answer
    raise errors.Aborted("callSessionId: a payment for this session is being created; retry shortly")


def _replay(gateway: PaymentGateway, payment_intent_id: str) -> PaymentIntentCreated:
    try:
        hold = gateway.retrieve_hold(payment_intent_id)
    except errors.PaymentGatewayError as exc:
        raise errors.Unavailable("the payment provider is unavailable; retry shortly") from exc
    return PaymentIntentCreated(hold.client_secret, hold.id, hold.amount)


def _create_hold(
    store: DocumentStore,
    gateway: PaymentGateway,
    clock: Clock,
    cmd: CreatePaymentIntentCommand,
    profile: dict[str, Any],
    price: Quote,
    key_attempt: int,
) -> tuple[Hold, Destination | None]:
    request = HoldRequest(
        amount=price.total,
        metadata={
            "callSessionId": cmd.callSessionId,
            "providerId": cmd.providerId,
            "clientId": cmd.clientId,
            "serviceType": cmd.serviceType.value,
        },
        idempotency_key=hold_idempotency_key(cmd.callSessionId, key_attempt),
    )
    try:
        account_id = profile.get("stripeAccountId")
        if isinstance(account_id, str) and account_id and gateway.can_receive_transfers(account_id):
            request = HoldRequest(
                request.amount, request.metadata, request.idempotency_key, Destination(account_id, price.platform_fee)
            )
        return gateway.create_hold(request), request.destination
    except errors.PaymentGatewayError as exc:
        # Let a retry take over at once: with the next key after a server error (Stripe would
        # replay it), with the same key after a refusal (Stripe answers the same again).
        store.set(
            _reservation_path(cmd.callSessionId),
            {
                "state": "failed",
                "leaseUntil": clock.now(),
                "lastError": str(exc)[:300],
                "keyAttempt": key_attempt + (1 if exc.retryable else 0),
            },
            merge=True,
        )
        if exc.retryable:
            raise errors.Unavailable("the payment provider is unavailable; retry shortly") from exc
        raise errors.FailedPrecondition("the payment provider refused to create the payment") from exc


def _record(
    tx: Transaction,
    cmd: CreatePaymentIntentCommand,
    price: Quote,
    hold: Hold,
    destination: Destination | None,
    now: datetime,
) -> None:
    payment_path = payment_repository.payment_path(hold.id)
    existing = tx.get(payment_path)
    tx.update(_reservation_path(cmd.callSessionId), {"paymentIntentId": hold.id, "state": "created"})
    if existing is not None:
        return
    tx.create(
        payment_path,
        {
            "paymentIntentId": hold.id,
            **_booking(cmd, price),
            "platformFee": price.platform_fee.minor,
            "providerAmount": price.provider_amount.minor,
            "destinationAccountId": destination.account_id if destination else None,
            "state": PaymentState.PENDING.value,
            "status": hold.status,
            "createdAt": now,
            "updatedAt": now,
        },
    )
    tx.create(
        payment_repository.audit_path(hold.id, "created"),
        {
            "paymentIntentId": hold.id,
            "callSessionId": cmd.callSessionId,
            "action": "hold_created",
            "toState": PaymentState.PENDING.value,
            "amount": price.total.minor,
            "currency": price.total.currency.value,
            "actor": cmd.clientId,
            "at": now,
        },
    )
