"""Stripe adapter: manual-capture PaymentIntents and webhook signature verification.

The `stripe` package is imported lazily (cold start) and the client created on first use.
Calls go through the typed `stripe.StripeClient` surface (typed params, typed resources), so
mypy rejects a parameter or a field that the pinned API version does not have. The API
version is the one pinned by the installed stripe package. `api_base` points the client at
localstripe and is only honoured against the emulators (see shared.kernel.config).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from shared.kernel.adapters.stripe_api import call_stripe, stripe_client
from shared.kernel.money import Currency, Money
from shared.payments.ports.payments import (
    Hold,
    HoldRequest,
    InvalidSignature,
    PaymentGateway,
    Refund,
    RefundRequest,
    WebhookVerifier,
)

if TYPE_CHECKING:
    import stripe
    from stripe import RequestOptions
    from stripe.params import PaymentIntentCreateParams, RefundCreateParams

log = logging.getLogger(__name__)

SIGNATURE_TOLERANCE_SECONDS = 300


class StripePaymentGateway(PaymentGateway):
    def __init__(self, api_key: str, api_base: str | None = None, max_network_retries: int = 2) -> None:
        self._api_key = api_key
        self._api_base = api_base
        self._retries = max_network_retries
        self._client: stripe.StripeClient | None = None

    def _stripe(self) -> stripe.StripeClient:
        if self._client is None:
            self._client = stripe_client(self._api_key, self._api_base, self._retries)
        return self._client

    def create_hold(self, request: HoldRequest) -> Hold:
        params: PaymentIntentCreateParams = {
            "amount": request.amount.minor,
            "currency": request.amount.currency.value,
            "capture_method": "manual",
            "allowed_payment_method_types": ["card"],
            "metadata": request.metadata,
        }
        if request.destination is not None:
            params["transfer_data"] = {"destination": request.destination.account_id}
            params["application_fee_amount"] = request.destination.application_fee.minor
        intent = call_stripe(
            "payment_intents.create",
            lambda: self._stripe().v1.payment_intents.create(
                params=params, options={"idempotency_key": request.idempotency_key}
            ),
        )
        log.info("stripe payment_intents.create %s key=%s", intent.id, request.idempotency_key)
        return _hold(intent)

    def retrieve_hold(self, hold_id: str) -> Hold:
        # latest_charge is an id unless expanded; its card details carry `capture_before`.
        return _hold(
            call_stripe(
                "payment_intents.retrieve",
                lambda: self._stripe().v1.payment_intents.retrieve(hold_id, params={"expand": ["latest_charge"]}),
            )
        )

    def capture_hold(self, hold_id: str, idempotency_key: str) -> Hold:
        current = self.retrieve_hold(hold_id)
        if current.status != "requires_capture":
            return current  # captured already (or not capturable): never capture twice
        intent = call_stripe(
            "payment_intents.capture",
            lambda: self._stripe().v1.payment_intents.capture(hold_id, options={"idempotency_key": idempotency_key}),
        )
        log.info("stripe payment_intents.capture %s key=%s", hold_id, idempotency_key)
        return _hold(intent)

    def release_hold(self, hold_id: str, idempotency_key: str) -> Hold:
        current = self.retrieve_hold(hold_id)
        if current.status in ("canceled", "succeeded"):
            return current
        intent = call_stripe(
            "payment_intents.cancel",
            lambda: self._stripe().v1.payment_intents.cancel(hold_id, options={"idempotency_key": idempotency_key}),
        )
        log.info("stripe payment_intents.cancel %s key=%s", hold_id, idempotency_key)
        return _hold(intent)

    def refund(self, request: RefundRequest) -> Refund:
        listed = call_stripe(
            "refunds.list",
            lambda: self._stripe().v1.refunds.list(params={"payment_intent": request.hold_id, "limit": 100}),
        )
        for made in listed.data:  # made before a server error hid the answer: the same refund
            if made.metadata is not None and made.metadata.to_dict().get("refund") == request.metadata.get("refund"):
                return Refund(made.id, Money(made.amount, Currency.parse(made.currency)), str(made.status))
        params: RefundCreateParams = {
            "payment_intent": request.hold_id,
            "amount": request.amount.minor,
            "reason": "requested_by_customer",
            "metadata": request.metadata,
        }
        if request.reverse_transfer:
            params["reverse_transfer"] = True
            params["refund_application_fee"] = True
        options: RequestOptions = {"idempotency_key": request.idempotency_key}
        refund = call_stripe("refunds.create", lambda: self._stripe().v1.refunds.create(params=params, options=options))
        return Refund(refund.id, Money(refund.amount, Currency.parse(refund.currency)), str(refund.status))

    def can_receive_transfers(self, account_id: str) -> bool:
        account = call_stripe("accounts.retrieve", lambda: self._stripe().v1.accounts.retrieve(account_id))
        capabilities = account.capabilities
        return capabilities is not None and capabilities.transfers == "active"


def _capture_before(intent: stripe.PaymentIntent) -> datetime | None:
    """When an uncaptured card charge lapses; None unless `latest_charge` was expanded."""
    charge = intent.latest_charge
    if charge is None or isinstance(charge, str):
        return None
    details = charge.payment_method_details
    card = details.card if details is not None else None
    stamp = card.capture_before if card is not None else None
    return datetime.fromtimestamp(stamp, UTC) if isinstance(stamp, int) else None


def _hold(intent: stripe.PaymentIntent) -> Hold:
    metadata = intent.metadata
    return Hold(
        id=intent.id,
        client_secret=intent.client_secret or "",
        status=intent.status,
        amount=Money(int(intent.amount), Currency(intent.currency)),
        metadata={str(k): str(v) for k, v in metadata.to_dict().items()} if metadata is not None else {},
        amount_capturable=int(intent.amount_capturable or 0),
        capture_before=_capture_before(intent),
    )


class StripeWebhookVerifier(WebhookVerifier):
    """Checks `Stripe-Signature` (HMAC-SHA256 of `t.payload`) with a 300 s tolerance."""

    def __init__(self, secret: str, tolerance: int = SIGNATURE_TOLERANCE_SECONDS) -> None:
        self._secret = secret
        self._tolerance = tolerance

    def verify(self, payload: bytes, signature_header: str | None) -> dict[str, Any]:
        import stripe

        if not signature_header:
            raise InvalidSignature("missing Stripe-Signature header")
        try:
            stripe.WebhookSignature.verify_header(
                payload.decode("utf-8"), signature_header, self._secret, self._tolerance
            )
            event = json.loads(payload)
        except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError) as exc:
            raise InvalidSignature(str(exc)) from None
        if not isinstance(event, dict):
            raise InvalidSignature("event body is not an object")
        return event
