"""europe-west3: payments and telephony (the only codebase holding money/call secrets)."""

from __future__ import annotations

import logging
from typing import Any

from firebase_functions import firestore_fn, https_fn, options, params, scheduler_fn, tasks_fn
from flask import Request, Response

from shared import config
from shared.entry import wiring
from shared.entry.callables import run_callable
from shared.entry.codebase import configure_codebase
from shared.entry.twilio_http import TwilioRequest, handle_twilio_webhook
from shared.ports.clock import ScheduledRunClock
from shared.services.commands import Caller, CreatePaymentIntentCommand, parse_command
from shared.services.payment_intents import create_payment_intent
from shared.services.stripe_event_table import STRIPE_EVENT_HANDLERS
from shared.services.stripe_webhook import handle_stripe_webhook

REGION = "europe-west3"
CODEBASE = "west3"

configure_codebase(CODEBASE, REGION)

STRIPE_SECRET_KEY = params.SecretParam("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = params.SecretParam("STRIPE_WEBHOOK_SECRET")
TWILIO_ACCOUNT_SID = params.SecretParam("TWILIO_ACCOUNT_SID")
TWILIO_AUTH_TOKEN = params.SecretParam("TWILIO_AUTH_TOKEN")
ENCRYPTION_KEY = params.SecretParam("ENCRYPTION_KEY")
CALL_SECRETS: list[params.SecretParam] = [
    STRIPE_SECRET_KEY,
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    ENCRYPTION_KEY,
]
LIGHT = options.MemoryOption.MB_256
logger = logging.getLogger(CODEBASE)


@https_fn.on_call(secrets=[STRIPE_SECRET_KEY], max_instances=3, timeout_sec=60)
def createPaymentIntent(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
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


@https_fn.on_call(memory=LIGHT, max_instances=2, timeout_sec=30)
def checkAiAccess(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    from shared.services.ai_usage import check_ai_access

    result: dict[str, Any] = run_callable(
        req, lambda caller, data: check_ai_access(caller, store=wiring.store()).as_response()
    )
    return result


@https_fn.on_call(memory=LIGHT, max_instances=2, timeout_sec=30)
def incrementAiUsage(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    from shared.services.ai_usage import increment_ai_usage

    result: dict[str, Any] = run_callable(
        req, lambda caller, data: increment_ai_usage(caller, store=wiring.store(), clock=wiring.clock()).as_response()
    )
    return result


@https_fn.on_call(secrets=[STRIPE_SECRET_KEY], memory=LIGHT, max_instances=1, timeout_sec=300)
def syncSubscriptionPlansToStripe(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    from shared.services.plan_sync import sync_plans_to_stripe

    result: dict[str, Any] = run_callable(
        req,
        lambda caller, data: sync_plans_to_stripe(
            caller, store=wiring.store(), billing=wiring.billing_gateway(STRIPE_SECRET_KEY.value), clock=wiring.clock()
        ).as_response(),
    )
    return result


@https_fn.on_call(secrets=[STRIPE_SECRET_KEY], memory=LIGHT, max_instances=1, timeout_sec=60)
def createSubscriptionCheckout(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    from shared.services.subscription_checkout import SubscriptionCheckoutCommand, create_subscription_checkout

    def service(caller: Caller | None, data: Any) -> dict[str, Any]:
        return create_subscription_checkout(
            parse_command(SubscriptionCheckoutCommand, data),
            caller,
            store=wiring.store(),
            billing=wiring.billing_gateway(STRIPE_SECRET_KEY.value),
            clock=wiring.clock(),
            return_url=config.web_app_url() + "/dashboard/subscription",
        )

    result: dict[str, Any] = run_callable(req, service)
    return result


def _subscription_callable(req: https_fn.CallableRequest[Any], action: str) -> dict[str, Any]:
    from shared.services import subscription_changes as changes
    from shared.services.subscription_checkout import SubscriptionCheckoutCommand, create_subscription

    def service(caller: Caller | None, data: Any) -> dict[str, Any]:
        store, clock = wiring.store(), wiring.clock()
        billing = wiring.billing_gateway(STRIPE_SECRET_KEY.value)
        if action == "create":
            cmd = parse_command(SubscriptionCheckoutCommand, data)
            return create_subscription(cmd, caller, store=store, billing=billing, clock=clock)
        if action == "change":
            cmd = parse_command(SubscriptionCheckoutCommand, data)
            return changes.change_subscription_plan(cmd, caller, store=store, billing=billing, clock=clock)
        if action in ("cancel", "reactivate"):
            return changes.set_cancellation(caller, action == "cancel", store=store, billing=billing, clock=clock)
        if action == "repair":
            from shared.services.subscription_repair import repair_billing_periods

            return repair_billing_periods(caller, data, store=store, billing=billing, clock=clock)
        if action == "portal":
            return {"url": changes.billing_portal_link(caller, config.web_app_url(), store=store, billing=billing)}
        return changes.start_trial(caller, store=store, clock=clock)

    result: dict[str, Any] = run_callable(req, service)
    return result


SUBSCRIPTION_OPTIONS: dict[str, Any] = {"secrets": [STRIPE_SECRET_KEY], "memory": LIGHT, "max_instances": 1}


@https_fn.on_call(**SUBSCRIPTION_OPTIONS)
def createSubscription(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    return _subscription_callable(req, "create")


@https_fn.on_call(**SUBSCRIPTION_OPTIONS)
def changeSubscriptionPlan(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    return _subscription_callable(req, "change")


@https_fn.on_call(**SUBSCRIPTION_OPTIONS)
def cancelSubscription(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    return _subscription_callable(req, "cancel")


@https_fn.on_call(**SUBSCRIPTION_OPTIONS)
def reactivateSubscription(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    return _subscription_callable(req, "reactivate")


@https_fn.on_call(**SUBSCRIPTION_OPTIONS)
def createBillingPortalSession(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    return _subscription_callable(req, "portal")


@https_fn.on_call(**SUBSCRIPTION_OPTIONS)
def repairSubscriptionBillingPeriods(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """Admin: rewrite missing/incorrect billingPeriod from Stripe; {"dryRun": false} to apply."""
    return _subscription_callable(req, "repair")


@https_fn.on_call(memory=LIGHT, max_instances=1)
def startTrial(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    return _subscription_callable(req, "trial")


@https_fn.on_request(secrets=[STRIPE_WEBHOOK_SECRET, STRIPE_SECRET_KEY], max_instances=3, timeout_sec=60)
def stripeWebhook(req: Request) -> Response:
    from shared.services.subscription_events import subscription_refresher

    if req.method != "POST":
        return Response("method not allowed", status=405)
    result = handle_stripe_webhook(
        req.get_data(cache=False),
        req.headers.get("Stripe-Signature"),
        verifier=wiring.stripe_verifier(STRIPE_WEBHOOK_SECRET.value),
        store=wiring.store(),
        clock=wiring.clock(),
        handlers=STRIPE_EVENT_HANDLERS,
        refresh=subscription_refresher(wiring.billing_gateway(STRIPE_SECRET_KEY.value)),
    )
    return Response(result.as_json(), status=result.status, content_type="application/json")


@tasks_fn.on_task_dispatched(
    retry_config=options.RetryConfig(max_attempts=5, min_backoff_seconds=5),
    rate_limits=options.RateLimits(max_concurrent_dispatches=10),
    secrets=CALL_SECRETS,
    max_instances=3,
    timeout_sec=60,
)
def executeScheduledCall(req: https_fn.CallableRequest[Any]) -> None:
    from shared.services.call_dialing import DialTask, execute_dial

    execute_dial(
        DialTask.parse(req.data),
        store=wiring.store(),
        telephony=wiring.telephony(TWILIO_ACCOUNT_SID.value, TWILIO_AUTH_TOKEN.value),
        vault=wiring.phone_vault(ENCRYPTION_KEY.value),
        tasks=wiring.task_scheduler(REGION),
        clock=wiring.clock(),
        urls=wiring.callback_urls(REGION),
        settle=wiring.settler(STRIPE_SECRET_KEY.value),
    )


def _twilio_webhook(req: Request, name: str, handler: Any, *, needs_party: bool = True) -> Response:
    return handle_twilio_webhook(
        req,
        public_url_base=wiring.callback_urls(REGION).base,
        function_name=name,
        signature_ok=wiring.twilio_signature(TWILIO_AUTH_TOKEN.value).valid,
        handler=handler,
        needs_party=needs_party,
    )


def _carry_out(result: Any, session_id: str) -> None:
    from functools import partial

    from shared.domain.settings import CallSettings
    from shared.services.call_costs import record_call_costs
    from shared.services.twilio_callbacks import carry_out

    telephony = wiring.telephony(TWILIO_ACCOUNT_SID.value, TWILIO_AUTH_TOKEN.value)
    carry_out(
        result,
        session_id,
        tasks=wiring.task_scheduler(REGION),
        telephony=telephony,
        settle=wiring.settler(STRIPE_SECRET_KEY.value),
        # Only the next dial's backoff needs the settings: no extra read for other callbacks.
        settings=CallSettings.from_document(wiring.store().get("settings/calls"))
        if result.next_dial
        else CallSettings(),
        record_costs=partial(record_call_costs, store=wiring.store(), telephony=telephony),
    )


@https_fn.on_request(secrets=[TWILIO_AUTH_TOKEN, TWILIO_ACCOUNT_SID], max_instances=2, timeout_sec=30)
def twilioGatherResponse(req: Request) -> Response:
    from shared.adapters.twiml import render
    from shared.services import twilio_callbacks

    def handle(call: TwilioRequest) -> str:
        urls = wiring.callback_urls(REGION)
        if "Digits" not in call.params:
            return render(
                twilio_callbacks.answer(call.session_id, call.party, call.attempt, store=wiring.store(), urls=urls)
            )
        result = twilio_callbacks.gather(
            call.session_id,
            call.party,
            call.attempt,
            call.params.get("CallSid", ""),
            call.params["Digits"],
            store=wiring.store(),
            urls=urls,
            now=wiring.clock().now(),
        )
        _carry_out(result, call.session_id)
        assert result.script is not None
        return render(result.script)

    return _twilio_webhook(req, "twilioGatherResponse", handle)


@https_fn.on_request(
    secrets=[TWILIO_AUTH_TOKEN, TWILIO_ACCOUNT_SID, STRIPE_SECRET_KEY], max_instances=2, timeout_sec=30
)
def twilioAmdTwiml(req: Request) -> Response:
    from shared.services import twilio_callbacks

    def handle(call: TwilioRequest) -> None:
        result = twilio_callbacks.machine_detected(
            call.session_id,
            call.party,
            call.attempt,
            call.params.get("CallSid", ""),
            call.params.get("AnsweredBy", "unknown"),
            store=wiring.store(),
        )
        _carry_out(result, call.session_id)

    return _twilio_webhook(req, "twilioAmdTwiml", handle)


@https_fn.on_request(
    secrets=[TWILIO_AUTH_TOKEN, TWILIO_ACCOUNT_SID, STRIPE_SECRET_KEY], max_instances=2, timeout_sec=30
)
def twilioCallWebhook(req: Request) -> Response:
    from shared.services import twilio_callbacks

    def handle(call: TwilioRequest) -> None:
        result = twilio_callbacks.call_status(
            call.session_id, call.party, call.attempt, call.params, store=wiring.store(), now=wiring.clock().now()
        )
        _carry_out(result, call.session_id)

    return _twilio_webhook(req, "twilioCallWebhook", handle)


@https_fn.on_request(
    secrets=[TWILIO_AUTH_TOKEN, TWILIO_ACCOUNT_SID, STRIPE_SECRET_KEY], max_instances=2, timeout_sec=30
)
def twilioConferenceWebhook(req: Request) -> Response:
    from shared.services import twilio_callbacks

    def handle(call: TwilioRequest) -> None:
        result = twilio_callbacks.conference_event(
            call.session_id, call.params, store=wiring.store(), now=wiring.clock().now()
        )
        _carry_out(result, call.session_id)

    return _twilio_webhook(req, "twilioConferenceWebhook", handle, needs_party=False)


@firestore_fn.on_document_created(
    document="sms_outbox/{smsId}",
    secrets=[TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, ENCRYPTION_KEY],
    memory=LIGHT,
    max_instances=1,
)
def sendQueuedSms(event: firestore_fn.Event[Any]) -> None:
    from shared.services.sms_outbox import send_queued_sms

    send_queued_sms(
        event.params["smsId"],
        store=wiring.store(),
        telephony=wiring.telephony(TWILIO_ACCOUNT_SID.value, TWILIO_AUTH_TOKEN.value),
        vault=wiring.phone_vault(ENCRYPTION_KEY.value),
        clock=wiring.clock(),
    )


def _change(event: firestore_fn.Event[Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    data = event.data
    before = data.before.to_dict() if data is not None and data.before is not None else None
    after = data.after.to_dict() if data is not None and data.after is not None else None
    return before, after


@firestore_fn.on_document_updated(document="payments/{paymentId}", memory=LIGHT, max_instances=1)
def onCallSessionPaymentAuthorized(event: firestore_fn.Event[Any]) -> None:
    from shared.services.payment_triggers import on_payment_authorized

    before, after = _change(event)
    on_payment_authorized(event.params["paymentId"], before, after, store=wiring.store(), now=wiring.clock().now())


@firestore_fn.on_document_updated(document="call_sessions/{sessionId}", memory=LIGHT, max_instances=1)
def onCallSessionPaymentCaptured(event: firestore_fn.Event[Any]) -> None:
    from shared.services.payment_triggers import on_session_payment_captured

    before, after = _change(event)
    on_session_payment_captured(
        event.params["sessionId"], before, after, store=wiring.store(), now=wiring.clock().now()
    )


@firestore_fn.on_document_updated(document="payments/{paymentId}", memory=LIGHT, max_instances=1)
def handlePaymentReceived(event: firestore_fn.Event[Any]) -> None:
    from shared.services.payment_triggers import on_payment_state

    before, after = _change(event)
    if after is not None and after.get("state") == "captured":
        on_payment_state(event.params["paymentId"], before, after, store=wiring.store(), now=wiring.clock().now())


@firestore_fn.on_document_updated(document="payments/{paymentId}", memory=LIGHT, max_instances=1)
def handlePaymentFailed(event: firestore_fn.Event[Any]) -> None:
    from shared.services.payment_triggers import on_payment_state

    before, after = _change(event)
    if after is not None and after.get("state") == "failed":
        on_payment_state(event.params["paymentId"], before, after, store=wiring.store(), now=wiring.clock().now())


@scheduler_fn.on_schedule(
    schedule="every 15 minutes",
    secrets=[STRIPE_SECRET_KEY],
    memory=LIGHT,
    max_instances=1,
    timeout_sec=300,
)
def stuckPaymentsRecovery(event: scheduler_fn.ScheduledEvent) -> None:
    from shared.services.payment_recovery import recover_stuck_payments

    report = recover_stuck_payments(
        store=wiring.store(),
        gateway=wiring.stripe_gateway(STRIPE_SECRET_KEY.value),
        clock=wiring.clock(),
        settle=wiring.settler(STRIPE_SECRET_KEY.value),
    )
    logger.info("stuck payments recovery", extra={"json_fields": {"report": report.as_dict()}})


@scheduler_fn.on_schedule(schedule="every day 01:00", timezone=options.Timezone("UTC"), memory=LIGHT, max_instances=1)
def collectDailyPaymentMetrics(event: scheduler_fn.ScheduledEvent) -> None:
    from datetime import timedelta

    from shared.services.payment_metrics import collect_daily_payment_metrics

    yesterday = (event.schedule_time - timedelta(days=1)).date()
    collect_daily_payment_metrics(yesterday, store=wiring.store(), clock=wiring.clock())


@scheduler_fn.on_schedule(schedule="every 30 minutes", memory=LIGHT, max_instances=1)
def runPaymentHealthCheck(event: scheduler_fn.ScheduledEvent) -> None:
    from shared.services.payment_health import run_payment_health_check

    health = run_payment_health_check(store=wiring.store(), clock=wiring.clock())
    logger.info("payment health %s", health["status"], extra={"json_fields": {"health": health}})


@https_fn.on_request(memory=LIGHT, max_instances=1, timeout_sec=60)
def paymentHealthCheck(req: Request) -> Response:
    """runPaymentHealthCheck over HTTP for admins (Authorization: Bearer <ID token>), as JSON."""
    import json

    from shared.entry.admin_http import require_admin
    from shared.services.payment_health import run_payment_health_check

    denied = require_admin(req)
    if denied is not None:
        return denied
    health = run_payment_health_check(store=wiring.store(), clock=wiring.clock())
    return Response(json.dumps(health), status=200, content_type="application/json")


@scheduler_fn.on_schedule(schedule="every day 02:00", timezone=options.Timezone("UTC"), memory=LIGHT, max_instances=1)
def suspendOverdueSubscriptions(event: scheduler_fn.ScheduledEvent) -> None:
    from shared.services.subscription_dunning import end_expired_trials, suspend_overdue_subscriptions

    # Dunning is counted in billing time: the run decides as of its scheduled time.
    clock = ScheduledRunClock(event.schedule_time)
    run = suspend_overdue_subscriptions(store=wiring.store(), clock=clock)
    ended = end_expired_trials(store=wiring.store(), clock=clock)
    logger.info(
        "dunning: %d suspended, %d reminded, %d trials ended", len(run.suspended), len(run.reminded), len(ended)
    )
