"""europe-west3: payments and telephony (the only codebase holding money/call secrets)."""

from __future__ import annotations

from typing import Any

from firebase_functions import https_fn, options, params
from flask import Request, Response

from shared.adapters.firebase_app import firebase_app
from shared.entry import wiring
from shared.entry.callables import run_callable
from shared.entry.logs import configure_logging
from shared.services.commands import Caller, CreatePaymentIntentCommand, parse_command
from shared.services.payment_intents import create_payment_intent
from shared.services.stripe_event_table import STRIPE_EVENT_HANDLERS
from shared.services.stripe_webhook import handle_stripe_webhook

REGION = "europe-west3"
CODEBASE = "west3"

options.set_global_options(
    region=REGION,
    memory=options.MemoryOption.MB_512,
    cpu="gcf_gen1",
    concurrency=1,
    max_instances=3,
    min_instances=0,
)
configure_logging(CODEBASE)
firebase_app()

STRIPE_SECRET_KEY = params.SecretParam("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = params.SecretParam("STRIPE_WEBHOOK_SECRET")


@https_fn.on_call(secrets=[STRIPE_SECRET_KEY], max_instances=5, timeout_sec=60)
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


@https_fn.on_request(secrets=[STRIPE_WEBHOOK_SECRET], max_instances=5, timeout_sec=60)
def stripeWebhook(req: Request) -> Response:
    if req.method != "POST":
        return Response("method not allowed", status=405)
    result = handle_stripe_webhook(
        req.get_data(cache=False),
        req.headers.get("Stripe-Signature"),
        verifier=wiring.stripe_verifier(STRIPE_WEBHOOK_SECRET.value),
        store=wiring.store(),
        clock=wiring.clock(),
        handlers=STRIPE_EVENT_HANDLERS,
    )
    return Response(result.as_json(), status=result.status, content_type="application/json")
