"""europe-west3: payments, telephony and subscriptions (the only codebase holding money/call
secrets). Functions are declared in west3_* modules by area; this module is what Firebase loads.

Every body imports what it uses when first called: `import main` (the cold start) loads the
SDK and the declarations only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from firebase_functions import https_fn, options, scheduler_fn
from flask import Request, Response

from shared.entry import payment_triggers, wiring
from shared.entry.callables import run_callable
from shared.entry.firestore_triggers import on_document_updated
from west3_runtime import (
    CODEBASE,
    MEMORY_256MB,
    REGION,
    SMALL_CPU,
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
    from firebase_functions.firestore_fn import Event

    from shared.kernel.commands import Caller

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
    "handlePaymentFailed",
    "handlePaymentReceived",
    "incrementAiUsage",
    "onCallSessionPaymentAuthorized",
    "onCallSessionPaymentCaptured",
    "paymentHealthCheck",
    "processTwilioCallback",
    "reactivateSubscription",
    "repairSubscriptionBillingPeriods",
    "runPaymentHealthCheck",
    "sendQueuedSms",
    "startTrial",
    "stripeWebhook",
    "stuckPaymentsRecovery",
    "suspendOverdueSubscriptions",
    "syncSubscriptionPlansToStripe",
    "twilioAmdTwiml",
    "twilioCallWebhook",
    "twilioConferenceWebhook",
    "twilioGatherResponse",
]


@https_fn.on_call(secrets=[STRIPE_SECRET_KEY], memory=MEMORY_256MB, max_instances=2, timeout_sec=60)
def createPaymentIntent(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    from shared.kernel.commands import parse_command
    from shared.payments.services.commands import CreatePaymentIntentCommand
    from shared.payments.services.intents import create_payment_intent

    def service(caller: Caller | None, data: Any) -> dict[str, Any]:
        return create_payment_intent(
            parse_command(CreatePaymentIntentCommand, data),
            caller,
            store=wiring.store(),
            gateway=wiring.stripe_gateway(STRIPE_SECRET_KEY.value),
            clock=wiring.clock(),
        ).as_response()

    result: dict[str, Any] = run_callable(req, service)
    return result


@https_fn.on_request(
    secrets=[STRIPE_WEBHOOK_SECRET, STRIPE_SECRET_KEY], memory=MEMORY_256MB, max_instances=2, timeout_sec=60
)
def stripeWebhook(req: Request) -> Response:
    from shared.entry.stripe_http import stripe_webhook_response

    return stripe_webhook_response(req, webhook_secret=STRIPE_WEBHOOK_SECRET.value, secret_key=STRIPE_SECRET_KEY.value)


@on_document_updated(document="payments/{paymentId}", memory=MEMORY_256MB, cpu=SMALL_CPU, max_instances=1)
def onCallSessionPaymentAuthorized(event: Event[Any]) -> None:
    payment_triggers.payment_authorized(event)


@on_document_updated(document="call_sessions/{sessionId}", memory=MEMORY_256MB, cpu=SMALL_CPU, max_instances=1)
def onCallSessionPaymentCaptured(event: Event[Any]) -> None:
    payment_triggers.session_payment_captured(event)


@on_document_updated(document="payments/{paymentId}", memory=MEMORY_256MB, cpu=SMALL_CPU, max_instances=1)
def handlePaymentReceived(event: Event[Any]) -> None:
    payment_triggers.payment_reached(event, "captured")


@on_document_updated(document="payments/{paymentId}", memory=MEMORY_256MB, cpu=SMALL_CPU, max_instances=1)
def handlePaymentFailed(event: Event[Any]) -> None:
    payment_triggers.payment_reached(event, "failed")


@scheduler_fn.on_schedule(
    schedule="every 15 minutes",
    secrets=[STRIPE_SECRET_KEY, TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN],
    memory=MEMORY_256MB,
    cpu=SMALL_CPU,
    max_instances=1,
    timeout_sec=300,
)
def stuckPaymentsRecovery(event: scheduler_fn.ScheduledEvent) -> None:
    from shared.calls.services.payment_recovery import recover_stuck_payments
    from shared.entry.call_follow_ups import apply_forgotten_twilio_callbacks

    telephony = wiring.telephony(TWILIO_ACCOUNT_SID.value, TWILIO_AUTH_TOKEN.value)
    settle = wiring.payment_settlement(STRIPE_SECRET_KEY.value)
    report = recover_stuck_payments(
        store=wiring.store(),
        gateway=wiring.stripe_gateway(STRIPE_SECRET_KEY.value),
        clock=wiring.clock(),
        settle=settle,
        telephony=telephony,
    )
    logger.info("stuck payments recovery", extra={"json_fields": {"report": report.as_dict()}})
    applied = apply_forgotten_twilio_callbacks(region=REGION, telephony=telephony, settle=settle)
    if applied:
        logger.warning("applied %s forgotten Twilio callbacks", applied)


@scheduler_fn.on_schedule(
    schedule="every day 01:00", timezone=options.Timezone("UTC"), memory=MEMORY_256MB, cpu=SMALL_CPU, max_instances=1
)
def collectDailyPaymentMetrics(event: scheduler_fn.ScheduledEvent) -> None:
    from datetime import timedelta

    from shared.calls.services.payment_metrics import collect_daily_payment_metrics

    yesterday = (event.schedule_time - timedelta(days=1)).date()
    collect_daily_payment_metrics(yesterday, store=wiring.store(), clock=wiring.clock())


@scheduler_fn.on_schedule(schedule="every 30 minutes", memory=MEMORY_256MB, cpu=SMALL_CPU, max_instances=1)
def runPaymentHealthCheck(event: scheduler_fn.ScheduledEvent) -> None:
    from shared.calls.services.payment_health import run_payment_health_check

    health = run_payment_health_check(store=wiring.store(), clock=wiring.clock())
    logger.info("payment health %s", health["status"], extra={"json_fields": {"health": health}})


@https_fn.on_request(memory=MEMORY_256MB, cpu=SMALL_CPU, max_instances=1, timeout_sec=60)
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
