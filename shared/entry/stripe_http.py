"""The stripeWebhook request: verify, record once, apply, answer (shared.payments.services.stripe_webhook)."""

from __future__ import annotations

from flask import Request, Response

from shared.entry import wiring


def stripe_webhook_response(req: Request, *, webhook_secret: str, secret_key: str) -> Response:
    from shared.entry.stripe_events import STRIPE_EVENT_HANDLERS, chain_refreshers
    from shared.payments.services.events import payment_intent_refresher
    from shared.payments.services.stripe_webhook import handle_stripe_webhook
    from shared.subscriptions.services.events import subscription_refresher

    if req.method != "POST":
        return Response("method not allowed", status=405)
    result = handle_stripe_webhook(
        req.get_data(cache=False),
        req.headers.get("Stripe-Signature"),
        verifier=wiring.stripe_verifier(webhook_secret),
        store=wiring.store(),
        clock=wiring.clock(),
        handlers=STRIPE_EVENT_HANDLERS,
        refresh=chain_refreshers(
            payment_intent_refresher(wiring.stripe_gateway(secret_key)),
            subscription_refresher(wiring.billing_gateway(secret_key)),
        ),
    )
    return Response(result.as_json(), status=result.status, content_type="application/json")
