"""europe-west3: payments, telephony and subscriptions (the only codebase holding money/call
secrets). Functions are declared in west3_* modules by area; this module is what Firebase loads."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from firebase_functions import https_fn, options, scheduler_fn
from flask import Request, Response

from shared.entry import wiring
from shared.entry.callables import run_callable
from shared.entry.firestore_triggers import documents, on_document_updated
from shared.kernel.commands import Caller, parse_command
from west3_accounts import getStripeOnboardingLink, onProviderCreated
from west3_affiliates import onDomainEvent, validatePendingCommissions
from west3_payouts import (
    listWithdrawals,
    paypalPayoutsWebhook,
    processWithdrawal,
    reconcilePayouts,
    reconcilePayoutsDaily,
    rejectWithdrawal,
    telegramBotWebhook,
    wiseTransfersWebhook,
)
from west3_refunds import refundCallPayment
from west3_runtime import (
    CODEBASE,
    REGION,
    SMALL_CPU,
    SMALL_MEMORY,
    STRIPE_SECRET_KEY,
    STRIPE_WEBHOOK_SECRET,
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    logger,
)
from west3_subscriptions import (
    cancelSubscription,
    changeSubscriptionPlan,
    checkAiAccess,
    createBillingPortalSession,
    createSubscription,
    createSubscriptionCheckout,
    incrementAiUsage,
    reactivateSubscription,
    repairSubscriptionBillingPeriods,
    startTrial,
    suspendOverdueSubscriptions,
    syncSubscriptionPlansToStripe,
)
from west3_telephony import (
    completeCallCosts,
    executeScheduledCall,
    processTwilioCallback,
    sendQueuedSms,
    twilioAmdTwiml,
    twilioCallWebhook,
    twilioConferenceWebhook,
    twilioGatherResponse,
)

if TYPE_CHECKING:
    from firebase_functions import firestore_fn

__all__ = [
    "CODEBASE",
    "REGION",
    "cancelSubscription",
    "changeSubscriptionPlan",
    "checkAiAccess",
    "collectDailyPaymentMetrics",
    "completeCallCosts",
    "createBillingPortalSession",
    "createPaymentIntent",
    "createSubscription",
    "createSubscriptionCheckout",
    "executeScheduledCall",
    "getStripeOnboardingLink",
    "handlePaymentFailed",
    "handlePaymentReceived",
    "incrementAiUsage",
    "listWithdrawals",
    "onCallSessionPaymentAuthorized",
    "onCallSessionPaymentCaptured",
    "onDomainEvent",
    "onProviderCreated",
    "paymentHealthCheck",
    "paypalPayoutsWebhook",
    "processTwilioCallback",
    "processWithdrawal",
    "reactivateSubscription",
    "reconcilePayouts",
    "reconcilePayoutsDaily",
    "refundCallPayment",
    "rejectWithdrawal",
    "repairSubscriptionBillingPeriods",
    "runPaymentHealthCheck",
    "sendQueuedSms",
    "startTrial",
    "stripeWebhook",
    "stuckPaymentsRecovery",
    "suspendOverdueSubscriptions",
    "syncSubscriptionPlansToStripe",
    "telegramBotWebhook",
    "twilioAmdTwiml",
    "twilioCallWebhook",
    "twilioConferenceWebhook",
    "twilioGatherResponse",
    "validatePendingCommissions",
    "wiseTransfersWebhook",
]


@https_fn.on_call(secrets=[STRIPE_SECRET_KEY], memory=SMALL_MEMORY, max_instances=2, timeout_sec=60)
def createPaymentIntent(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    from shared.payments.services.commands import CreatePaymentIntentCommand
    from shared.payments.services.intents import create_payment_intent

    def service(caller: Caller | None, data: Any) -> dict[str, Any]:
        cmd = parse_command(CreatePaymentIntentCommand, data)
        return create_payment_intent(
            cmd,
            caller,
            store=wiring.store(),
            gateway=wiring.stripe_gateway(STRIPE_SECRET_KEY.value),
            clock=wiring.clock(),
        ).as_response()

    result: dict[str, Any] = run_callable(req, service)
    return result


@https_fn.on_request(
    secrets=[STRIPE_WEBHOOK_SECRET, STRIPE_SECRET_KEY], memory=SMALL_MEMORY, max_instances=2, timeout_sec=60
)
def stripeWebhook(req: Request) -> Response:
    from shared.entry.stripe_events import STRIPE_EVENT_HANDLERS, chain_refreshers
    from shared.payments.services.events import payment_intent_refresher
    from shared.payments.services.stripe_webhook import handle_stripe_webhook
    from shared.subscriptions.services.events import subscription_refresher

    if req.method != "POST":
        return Response("method not allowed", status=405)
    result = handle_stripe_webhook(
        req.get_data(cache=False),
        req.headers.get("Stripe-Signature"),
        verifier=wiring.stripe_verifier(STRIPE_WEBHOOK_SECRET.value),
        store=wiring.store(),
        clock=wiring.clock(),
        handlers=STRIPE_EVENT_HANDLERS,
        refresh=chain_refreshers(
            payment_intent_refresher(wiring.stripe_gateway(STRIPE_SECRET_KEY.value)),
            subscription_refresher(wiring.billing_gateway(STRIPE_SECRET_KEY.value)),
        ),
    )
    return Response(result.as_json(), status=result.status, content_type="application/json")


@on_document_updated(document="payments/{paymentId}", memory=SMALL_MEMORY, cpu=SMALL_CPU, max_instances=1)
def onCallSessionPaymentAuthorized(event: firestore_fn.Event[Any]) -> None:
    from shared.payments.services.triggers import on_payment_authorized

    before, after = documents(event)
    on_payment_authorized(event.params["paymentId"], before, after, store=wiring.store(), now=wiring.clock().now())


@on_document_updated(document="call_sessions/{sessionId}", memory=SMALL_MEMORY, cpu=SMALL_CPU, max_instances=1)
def onCallSessionPaymentCaptured(event: firestore_fn.Event[Any]) -> None:
    from shared.payments.services.triggers import on_session_payment_captured

    before, after = documents(event)
    on_session_payment_captured(
        event.params["sessionId"], before, after, store=wiring.store(), now=wiring.clock().now()
    )


@on_document_updated(document="payments/{paymentId}", memory=SMALL_MEMORY, cpu=SMALL_CPU, max_instances=1)
def handlePaymentReceived(event: firestore_fn.Event[Any]) -> None:
    from shared.payments.services.triggers import on_payment_received

    before, after = documents(event)
    on_payment_received(event.params["paymentId"], before, after, store=wiring.store(), now=wiring.clock().now())


@on_document_updated(document="payments/{paymentId}", memory=SMALL_MEMORY, cpu=SMALL_CPU, max_instances=1)
def handlePaymentFailed(event: firestore_fn.Event[Any]) -> None:
    from shared.payments.services.triggers import on_payment_failed

    before, after = documents(event)
    on_payment_failed(event.params["paymentId"], before, after, store=wiring.store(), now=wiring.clock().now())


@scheduler_fn.on_schedule(
    schedule="every 15 minutes",
    secrets=[STRIPE_SECRET_KEY, TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN],
    memory=SMALL_MEMORY,
    cpu=SMALL_CPU,
    max_instances=1,
    timeout_sec=300,
)
def stuckPaymentsRecovery(event: scheduler_fn.ScheduledEvent) -> None:
    from shared.calls.services.payment_recovery import recover_stuck_payments

    report = recover_stuck_payments(
        store=wiring.store(),
        gateway=wiring.stripe_gateway(STRIPE_SECRET_KEY.value),
        clock=wiring.clock(),
        settle=wiring.settle_session_payment(STRIPE_SECRET_KEY.value),
        telephony=wiring.telephony(TWILIO_ACCOUNT_SID.value, TWILIO_AUTH_TOKEN.value),
    )
    logger.info("stuck payments recovery", extra={"json_fields": {"report": report.as_dict()}})
    _apply_forgotten_twilio_callbacks()


def _apply_forgotten_twilio_callbacks() -> None:
    """Twilio callbacks stored by their webhook whose processing task was never enqueued."""
    from functools import partial

    from shared.calls.services import twilio_inbox

    process_one = partial(
        twilio_inbox.process,
        store=wiring.store(),
        telephony=wiring.telephony(TWILIO_ACCOUNT_SID.value, TWILIO_AUTH_TOKEN.value),
        clock=wiring.clock(),
        follow_ups=wiring.follow_ups(
            REGION, TWILIO_ACCOUNT_SID.value, TWILIO_AUTH_TOKEN.value, STRIPE_SECRET_KEY.value
        ),
    )
    applied = twilio_inbox.process_forgotten(store=wiring.store(), now=wiring.clock().now(), process_one=process_one)
    if applied:
        logger.warning("applied %s forgotten Twilio callbacks", len(applied))


@scheduler_fn.on_schedule(
    schedule="every 1 hours", timezone=options.Timezone("UTC"), memory=SMALL_MEMORY, cpu=SMALL_CPU, max_instances=1
)
def collectDailyPaymentMetrics(event: scheduler_fn.ScheduledEvent) -> None:
    """Yesterday's figures (final once its last payments have settled) and today's so far."""
    from datetime import timedelta

    from shared.calls.services.payment_metrics import collect_daily_payment_metrics

    for day in ((event.schedule_time - timedelta(days=1)).date(), event.schedule_time.date()):
        collect_daily_payment_metrics(day, store=wiring.store(), clock=wiring.clock())


@scheduler_fn.on_schedule(schedule="every 30 minutes", memory=SMALL_MEMORY, cpu=SMALL_CPU, max_instances=1)
def runPaymentHealthCheck(event: scheduler_fn.ScheduledEvent) -> None:
    from shared.calls.services.payment_health import run_payment_health_check

    health = run_payment_health_check(store=wiring.store(), clock=wiring.clock())
    logger.info("payment health %s", health["status"], extra={"json_fields": {"health": health}})


@https_fn.on_request(memory=SMALL_MEMORY, cpu=SMALL_CPU, max_instances=1, timeout_sec=60)
def paymentHealthCheck(req: Request) -> Response:
    """runPaymentHealthCheck over HTTP for admins (Authorization: Bearer <ID token>), as JSON."""
    import json

    from shared.calls.services.payment_health import run_payment_health_check
    from shared.entry.admin_http import require_admin

    denied = require_admin(req)
    if denied is not None:
        return denied
    health = run_payment_health_check(store=wiring.store(), clock=wiring.clock())
    return Response(json.dumps(health), status=200, content_type="application/json")
