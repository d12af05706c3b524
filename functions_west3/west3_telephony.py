"""europe-west3 telephony: the scheduled dial task, the Twilio webhooks, the SMS outbox."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from firebase_functions import https_fn, options, scheduler_fn, tasks_fn
from flask import Request, Response

from shared.entry import firestore_triggers, wiring
from shared.entry.tasks import run_task
from shared.entry.twilio_http import TwilioRequest, handle_twilio_webhook
from west3_runtime import (
    CALL_SECRETS,
    CONCURRENT_CPU,
    ENCRYPTION_KEY,
    REGION,
    SMALL_CPU,
    SMALL_MEMORY,
    STRIPE_SECRET_KEY,
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    TWILIO_CONCURRENCY,
    TWILIO_SECONDARY_AUTH_TOKEN,
    TWILIO_WEBHOOK_SHARED_KEY,
    WEBHOOK_SIGNING_SECRETS,
    logger,
)

if TYPE_CHECKING:
    from firebase_functions import firestore_fn

    from shared.calls.services.follow_ups import FollowUps


@tasks_fn.on_task_dispatched(
    retry_config=options.RetryConfig(max_attempts=8, min_backoff_seconds=5),  # outlasts a dial claim lease
    rate_limits=options.RateLimits(max_concurrent_dispatches=10),
    secrets=CALL_SECRETS,
    memory=SMALL_MEMORY,
    max_instances=2,
    timeout_sec=60,
)
def executeScheduledCall(req: https_fn.CallableRequest[Any]) -> None:
    from shared.calls.services.dialing import DialTask, execute_dial

    run_task(
        "executeScheduledCall",
        req.data,
        DialTask.parse,
        lambda task: execute_dial(
            task,
            store=wiring.store(),
            telephony=wiring.telephony(TWILIO_ACCOUNT_SID.value, TWILIO_AUTH_TOKEN.value),
            vault=wiring.phone_vault(ENCRYPTION_KEY.value),
            tasks=wiring.task_scheduler(REGION),
            clock=wiring.clock(),
            urls=wiring.callback_urls(REGION),
            settle=wiring.settle_session_payment(STRIPE_SECRET_KEY.value),
        ),
    )


# Twilio sends these in bursts (several at every hang-up) and never retries them: one whole vCPU
# serves TWILIO_CONCURRENCY requests at once.
BURST_WEBHOOK: dict[str, Any] = {
    "secrets": [TWILIO_AUTH_TOKEN, TWILIO_ACCOUNT_SID, *WEBHOOK_SIGNING_SECRETS],
    "cpu": CONCURRENT_CPU,
    "concurrency": TWILIO_CONCURRENCY,
    "max_instances": 1,
    "timeout_sec": 30,
}


def _twilio_webhook(req: Request, name: str, handler: Any, *, needs_party: bool = True) -> Response:
    return handle_twilio_webhook(
        req,
        public_url_base=wiring.callback_urls(REGION).base,
        function_name=name,
        signature_ok=wiring.twilio_signature(
            TWILIO_AUTH_TOKEN.value, TWILIO_SECONDARY_AUTH_TOKEN.value, TWILIO_WEBHOOK_SHARED_KEY.value
        ).valid,
        handler=handler,
        needs_party=needs_party,
    )


def _follow_ups() -> FollowUps:
    return wiring.follow_ups(REGION, TWILIO_ACCOUNT_SID.value, TWILIO_AUTH_TOKEN.value, STRIPE_SECRET_KEY.value)


@https_fn.on_request(**BURST_WEBHOOK)
def twilioGatherResponse(req: Request) -> Response:
    from shared.calls.adapters.twiml import render
    from shared.calls.services import twilio_callbacks

    def handle(call: TwilioRequest) -> str:
        urls = wiring.callback_urls(REGION)
        if "Digits" not in call.params:
            return render(
                twilio_callbacks.answer(call.call_session_id, call.party, call.attempt, store=wiring.store(), urls=urls)
            )
        result = twilio_callbacks.gather(
            call.call_session_id,
            call.party,
            call.attempt,
            call.params.get("CallSid", ""),
            call.params["Digits"],
            store=wiring.store(),
            urls=urls,
            now=wiring.clock().now(),
        )
        _follow_ups().perform(result, call.call_session_id)
        assert result.script is not None
        return render(result.script)

    return _twilio_webhook(req, "twilioGatherResponse", handle)


@https_fn.on_request(
    # One AMD result per call, and its only effect is a hang-up: small instances suffice.
    secrets=[TWILIO_AUTH_TOKEN, TWILIO_ACCOUNT_SID, *WEBHOOK_SIGNING_SECRETS],
    memory=SMALL_MEMORY,
    cpu=SMALL_CPU,
    max_instances=3,
    timeout_sec=30,
)
def twilioAmdTwiml(req: Request) -> Response:
    from shared.calls.services import twilio_callbacks

    def handle(call: TwilioRequest) -> None:
        result = twilio_callbacks.machine_detected(
            call.call_session_id,
            call.party,
            call.attempt,
            call.params.get("CallSid", ""),
            call.params.get("AnsweredBy", "unknown"),
            store=wiring.store(),
        )
        _follow_ups().perform(result, call.call_session_id)

    return _twilio_webhook(req, "twilioAmdTwiml", handle)


@https_fn.on_request(**BURST_WEBHOOK)
def twilioCallWebhook(req: Request) -> Response:
    """Stores the call status and answers at once; processTwilioCallback applies it."""
    from shared.calls.services import twilio_inbox

    def handle(call: TwilioRequest) -> None:
        twilio_inbox.receive(
            twilio_inbox.CALL_STATUS,
            call.call_session_id,
            call.party,
            call.attempt,
            call.params,
            store=wiring.store(),
            tasks=wiring.task_scheduler(REGION),
            now=wiring.clock().now(),
        )

    return _twilio_webhook(req, "twilioCallWebhook", handle)


@https_fn.on_request(**BURST_WEBHOOK)
def twilioConferenceWebhook(req: Request) -> Response:
    """Stores the conference event and answers at once; processTwilioCallback applies it."""
    from shared.calls.services import twilio_inbox

    def handle(call: TwilioRequest) -> None:
        twilio_inbox.receive(
            twilio_inbox.CONFERENCE,
            call.call_session_id,
            "",
            0,
            call.params,
            store=wiring.store(),
            tasks=wiring.task_scheduler(REGION),
            now=wiring.clock().now(),
        )

    return _twilio_webhook(req, "twilioConferenceWebhook", handle, needs_party=False)


@tasks_fn.on_task_dispatched(
    retry_config=options.RetryConfig(max_attempts=12, min_backoff_seconds=2, max_backoff_seconds=30),
    rate_limits=options.RateLimits(max_concurrent_dispatches=20),
    secrets=CALL_SECRETS,
    memory=SMALL_MEMORY,
    cpu=SMALL_CPU,
    max_instances=4,
    timeout_sec=60,
)
def processTwilioCallback(req: https_fn.CallableRequest[Any]) -> None:
    """Applies a stored Twilio callback: off the webhook's request path, retried until it can."""
    from shared.calls.services import twilio_inbox
    from shared.calls.services.task_payloads import callback_task_payload

    run_task(
        "processTwilioCallback",
        req.data,
        callback_task_payload,
        lambda payload: twilio_inbox.process(
            twilio_inbox.StoredCallback(payload.callbackId, payload.callSessionId, payload.conferenceEventId),
            store=wiring.store(),
            telephony=wiring.telephony(TWILIO_ACCOUNT_SID.value, TWILIO_AUTH_TOKEN.value),
            clock=wiring.clock(),
            follow_ups=_follow_ups(),
        ),
    )


@firestore_triggers.on_document_created(
    document="sms_outbox/{smsId}",
    secrets=[TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, ENCRYPTION_KEY],
    memory=SMALL_MEMORY,
    cpu=SMALL_CPU,
    max_instances=1,
)
def sendQueuedSms(event: firestore_fn.Event[Any]) -> None:
    from shared.notifications.services.sms import send_queued_sms

    send_queued_sms(
        event.params["smsId"],
        store=wiring.store(),
        telephony=wiring.telephony(TWILIO_ACCOUNT_SID.value, TWILIO_AUTH_TOKEN.value),
        vault=wiring.phone_vault(ENCRYPTION_KEY.value),
        clock=wiring.clock(),
    )


@scheduler_fn.on_schedule(
    schedule="every 30 minutes",
    secrets=[TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN],
    memory=SMALL_MEMORY,
    cpu=SMALL_CPU,
    max_instances=1,
)
def completeCallCosts(event: scheduler_fn.ScheduledEvent) -> None:
    """Twilio prices a call shortly after it ends: complete the figures it had not priced yet."""
    from shared.calls.services.costs import complete_pending_call_costs

    completed = complete_pending_call_costs(
        store=wiring.store(), telephony=wiring.telephony(TWILIO_ACCOUNT_SID.value, TWILIO_AUTH_TOKEN.value)
    )
    logger.info("call costs completed for %d sessions", len(completed))
