"""createAndScheduleCall: check the hold, book the provider atomically, enqueue the call task.

The session id is the `callSessionId` the hold was created for, so booking twice returns the
same session. One transaction creates `call_sessions/{id}` and marks the provider (and linked
profiles sharing their busy status) busy: of two clients racing for one provider, one wins.
The task is enqueued after the commit with an id derived from the session (enqueued once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shared.accounts.services import availability
from shared.calls.adapters import session_repository
from shared.calls.domain.call_session import CallStatus
from shared.calls.domain.ivr import normalise_language
from shared.calls.domain.settings import CallSettings
from shared.calls.ports.phone_vault import PhoneVault
from shared.calls.services.commands import CreateAndScheduleCallCommand
from shared.kernel.clock import Clock
from shared.kernel.commands import Caller, require_booking_client
from shared.kernel.errors import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PaymentGatewayError,
    PermissionDenied,
    Unavailable,
)
from shared.kernel.store import DocumentStore, Transaction
from shared.kernel.tasks import TaskScheduler
from shared.notifications.services.outbox import queue_mail, queue_sms
from shared.payments.domain.payment import PaymentState
from shared.payments.domain.pricing import PricingTable, quote
from shared.payments.ports.payments import PaymentGateway
from shared.payments.services import payment_records
from shared.payments.services.events import record_authorization

EXECUTE_CALL_FUNCTION = "executeScheduledCall"


def call_task_id(call_session_id: str, party: str = "provider", attempt: int = 1) -> str:
    return f"call-{call_session_id}-{party}-{attempt}"


@dataclass(frozen=True)
class ScheduledCall:
    call_session_id: str
    status: str
    scheduled_for: datetime

    def as_response(self) -> dict[str, Any]:
        return {
            "callSessionId": self.call_session_id,
            "status": self.status,
            "scheduledFor": self.scheduled_for.isoformat(),
        }


def create_and_schedule_call(
    cmd: CreateAndScheduleCallCommand,
    caller: Caller | None,
    *,
    store: DocumentStore,
    vault: PhoneVault,
    tasks: TaskScheduler,
    clock: Clock,
    gateway: PaymentGateway,
) -> ScheduledCall:
    """`gateway` may hold a read-only key: it is only asked for the hold when its webhook is late."""
    user = require_booking_client(caller, cmd.clientId, cmd.providerId)
    verified = user.claims.get("phone_number")
    if not user.is_admin and isinstance(verified, str) and verified != cmd.clientPhone:
        raise InvalidArgument("clientPhone", "must be your own number, the one verified on your account")
    payment = _authorised_payment(store, gateway, clock, cmd)
    settings = CallSettings.from_document(store.get("settings/calls"))
    now = clock.now()
    call_session_id = payment.call_session_id

    def book(tx: Transaction) -> dict[str, Any]:
        pricing = PricingTable.from_document(tx.get("settings/pricing"))  # as the hold read it: fresh
        existing = tx.get(session_repository.session_path(call_session_id))
        providers = availability.read_group(tx, cmd.providerId)
        if existing is not None:
            if existing.get("clientId") != cmd.clientId:
                raise PermissionDenied("paymentIntentId: already used for another client's call")
            return existing  # booked already: same answer, nothing written
        session = _new_session(cmd, payment, providers.provider, pricing, settings, vault, now)
        if not providers.free_for_a_call():
            raise FailedPrecondition("providerId: this provider is busy or offline; choose another", field="providerId")
        _book(tx, session, providers, now)
        return session

    stored = store.run_transaction(book)
    if stored["status"] == CallStatus.SCHEDULED.value:
        # Also on a retry of this request: the task id is the session's, so Cloud Tasks keeps one.
        try:
            tasks.enqueue(
                EXECUTE_CALL_FUNCTION,
                {"callSessionId": call_session_id, "party": "provider", "attempt": 1},
                task_id=call_task_id(call_session_id),
                delay_seconds=settings.schedule_delay_seconds,
            )
        except Exception as exc:
            # The session exists: a retry of this request enqueues the same task id.
            raise Unavailable("could not schedule the call; retry") from exc
    return ScheduledCall(call_session_id, stored["status"], stored["scheduledFor"])


def _new_session(
    cmd: CreateAndScheduleCallCommand,
    payment: _Payment,
    provider: availability.Member,
    pricing: PricingTable,
    settings: CallSettings,
    vault: PhoneVault,
    now: datetime,
) -> dict[str, Any]:
    """The session of a bookable provider whose price the hold covers (read in the booking's
    transaction: one read of the profile serves the checks and the busy flag)."""
    profile = provider.profile
    if profile is None:
        raise NotFound(f"providerId: no provider {cmd.providerId!r}", field="providerId")
    if profile.get("approvalStatus") != "approved" or profile.get("isVisible") is not True:
        raise FailedPrecondition("providerId: this provider is not approved or not visible", field="providerId")
    provider_phone = _provider_phone_on_file(provider.account, vault)
    if cmd.providerPhone is not None and cmd.providerPhone != provider_phone:
        raise InvalidArgument("providerPhone", "does not match the provider's number on file")
    price = quote(pricing, cmd.serviceType, payment.currency, profile.get("priceOverrides"))
    if price.total.minor != payment.amount:
        raise FailedPrecondition("paymentIntentId: the hold does not cover this call's price", field="paymentIntentId")
    return {
        "callSessionId": payment.call_session_id,
        "clientId": cmd.clientId,
        "providerId": cmd.providerId,
        "serviceType": cmd.serviceType.value,
        "paymentIntentId": cmd.paymentIntentId,
        "amount": price.total.minor,
        "currency": price.total.currency.value,
        "platformFee": price.platform_fee.minor,
        "durationMinutes": price.duration_minutes,
        "status": CallStatus.SCHEDULED.value,
        "clientLanguage": normalise_language(cmd.language),
        "providerLanguage": normalise_language((profile.get("languages") or [None])[0]),
        "clientPhoneSealed": vault.seal(cmd.clientPhone),
        "providerPhoneSealed": vault.seal(provider_phone),
        "participants": {"provider": {"attempt": 0}, "client": {"attempt": 0}},
        "payment": {"state": "authorized"},
        "paymentCaptured": False,
        "scheduledFor": now + timedelta(seconds=settings.schedule_delay_seconds),
        "rules": settings.to_document(),
        "createdAt": now,
        "updatedAt": now,
    }


@dataclass(frozen=True)
class _Payment:
    call_session_id: str
    amount: int
    currency: Any


def _authorised_payment(
    store: DocumentStore, gateway: PaymentGateway, clock: Clock, cmd: CreateAndScheduleCallCommand
) -> _Payment:
    from shared.kernel.money import Currency

    payment = payment_records.payment(store, cmd.paymentIntentId)
    if payment is None:
        raise NotFound("paymentIntentId: no such payment", field="paymentIntentId")
    if payment.get("clientId") != cmd.clientId:
        raise PermissionDenied("paymentIntentId: this payment belongs to another client", field="paymentIntentId")
    if payment.get("providerId") != cmd.providerId or payment.get("serviceType") != cmd.serviceType.value:
        raise FailedPrecondition(
            "paymentIntentId: this payment is for another provider or service", field="paymentIntentId"
        )
    if payment.get("state") in (PaymentState.PENDING.value, PaymentState.FAILED.value):
        payment = _authorisation_from_stripe(store, gateway, clock, cmd.paymentIntentId, payment)
    if payment.get("state") != PaymentState.AUTHORIZED.value:
        raise FailedPrecondition(
            f"paymentIntentId: the card hold is not authorised (state {payment.get('state')})", field="paymentIntentId"
        )
    return _Payment(str(payment["callSessionId"]), int(payment["amount"]), Currency(payment["currency"]))


def _authorisation_from_stripe(
    store: DocumentStore, gateway: PaymentGateway, clock: Clock, payment_id: str, payment: dict[str, Any]
) -> dict[str, Any]:
    """The client booked as soon as Stripe.js confirmed the card, before the webhook landed: ask
    Stripe, and record an authorisation for the right amount exactly as the webhook would."""
    try:
        hold = gateway.retrieve_hold(payment_id)
    except PaymentGatewayError as exc:
        raise Unavailable("could not check the card hold with the payment provider; retry shortly") from exc
    covered = (
        hold.status == "requires_capture"
        and hold.amount.currency.value == payment.get("currency")
        and hold.amount_capturable == payment.get("amount")
    )
    if not covered:
        return {**payment, "state": payment.get("state"), "status": hold.status}
    recorded = store.run_transaction(lambda tx: record_authorization(tx, hold, clock.now()))
    return recorded if recorded is not None else payment


def _provider_phone_on_file(account: dict[str, Any], vault: PhoneVault) -> str:
    sealed = account.get("phoneSealed")
    if not isinstance(sealed, str):
        raise FailedPrecondition("providerId: this provider has no phone number on file", field="providerId")
    return vault.open(sealed)


def _book(tx: Transaction, session: dict[str, Any], providers: availability.BusyGroup, now: datetime) -> None:
    tx.create(session_repository.session_path(session["callSessionId"]), session)
    availability.mark_busy(tx, providers, session["callSessionId"], now)
    queue_sms(
        tx,
        f"booked_{session['callSessionId']}",
        to_sealed=session["clientPhoneSealed"],
        template="call_booked",
        language=session["clientLanguage"],
        now=now,
    )
    queue_mail(
        tx,
        f"booked_{session['callSessionId']}",
        to_uid=session["clientId"],
        template="call_booked",
        data={"callSessionId": session["callSessionId"], "scheduledFor": session["scheduledFor"]},
        now=now,
    )
