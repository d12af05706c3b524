"""Stripe Billing adapter: subscriptions (the catalogue half is stripe_billing_catalogue), through
the typed `stripe.StripeClient` surface at the pinned API version: an invoice has no
`payment_intent` (its `confirmation_secret` and `payments` say what to confirm and which
PaymentIntent pays it), and both are returned only when expanded."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shared.kernel.adapters.stripe_api import call_stripe
from shared.kernel.errors import PaymentGatewayError
from shared.kernel.money import Currency, Money
from shared.subscriptions.adapters.stripe_catalogue import StripeCatalogue, price_of
from shared.subscriptions.ports.billing import PlanChange, StripeSubscription, SubscriptionRequest

if TYPE_CHECKING:
    from stripe import Invoice, Subscription
    from stripe.params import SubscriptionCreateParams, SubscriptionUpdateParams

# What the Elements flow reads from the created subscription.
CREATE_EXPAND = ["latest_invoice.confirmation_secret", "latest_invoice.payments", "pending_setup_intent"]


class StripeBillingGateway(StripeCatalogue):
    """Stripe Billing: the catalogue (StripeCatalogue), subscriptions here."""

    def create_subscription(self, request: SubscriptionRequest) -> StripeSubscription:
        trial_end, idempotency_key = request.trial_end, request.idempotency_key
        params: SubscriptionCreateParams = {
            "customer": request.customer_id,
            "items": [{"price": request.price_id}],
            "metadata": request.metadata,
            "payment_behavior": "default_incomplete",
            "payment_settings": {"save_default_payment_method": "on_subscription"},
            "expand": CREATE_EXPAND,
        }
        if trial_end is not None:
            # No card saved by the trial's end: the subscription ends with it (AI access off).
            params["trial_end"] = int(trial_end.timestamp())
            params["trial_settings"] = {"end_behavior": {"missing_payment_method": "cancel"}}
        created = call_stripe(
            "subscriptions.create",
            lambda: self._stripe().v1.subscriptions.create(params=params, options={"idempotency_key": idempotency_key}),
        )
        return subscription_of(created)

    def retrieve_subscription(self, subscription_id: str) -> StripeSubscription:
        return subscription_of(
            call_stripe("subscriptions.retrieve", lambda: self._stripe().v1.subscriptions.retrieve(subscription_id))
        )

    def incomplete_subscriptions(self, customer_id: str) -> list[str]:
        listed = call_stripe(
            "subscriptions.list",
            lambda: self._stripe().v1.subscriptions.list(
                params={"customer": customer_id, "status": "incomplete", "limit": 100}
            ),
        )
        return [sub.id for sub in listed.data]

    def cancel_subscription(self, subscription_id: str, idempotency_key: str) -> StripeSubscription:
        cancelled = call_stripe(
            "subscriptions.cancel",
            lambda: self._stripe().v1.subscriptions.cancel(
                subscription_id, options={"idempotency_key": idempotency_key}
            ),
        )
        return subscription_of(cancelled)

    def subscription_object(self, subscription_id: str) -> dict[str, Any] | None:
        import stripe

        try:
            found = call_stripe(
                "subscriptions.retrieve", lambda: self._stripe().v1.subscriptions.retrieve(subscription_id)
            )
        except PaymentGatewayError as exc:
            if isinstance(exc.__cause__, stripe.InvalidRequestError) and exc.__cause__.http_status == 404:
                return None
            raise
        return found.to_dict()

    def change_price(
        self, subscription: StripeSubscription, price_id: str, metadata: dict[str, str], idempotency_key: str
    ) -> PlanChange:
        params: SubscriptionUpdateParams = {
            "items": [{"id": subscription.item_id, "price": price_id}],
            "proration_behavior": "create_prorations",
            "metadata": metadata,
        }
        updated = call_stripe(
            "subscriptions.update",
            lambda: self._stripe().v1.subscriptions.update(
                subscription.id, params=params, options={"idempotency_key": idempotency_key}
            ),
        )
        changed = subscription_of(updated)
        invoiced = Money(0, changed.price.amount.currency)
        if changed.latest_invoice_id and changed.latest_invoice_id != subscription.latest_invoice_id:
            invoice_id = changed.latest_invoice_id
            invoice = call_stripe("invoices.retrieve", lambda: self._stripe().v1.invoices.retrieve(invoice_id))
            invoiced = Money(invoice.amount_due, Currency(invoice.currency.lower()))
        return PlanChange(changed, invoiced)

    def set_cancel_at_period_end(self, subscription_id: str, cancel: bool, idempotency_key: str) -> StripeSubscription:
        updated = call_stripe(
            "subscriptions.update",
            lambda: self._stripe().v1.subscriptions.update(
                subscription_id, params={"cancel_at_period_end": cancel}, options={"idempotency_key": idempotency_key}
            ),
        )
        return subscription_of(updated)


def subscription_of(sub: Subscription) -> StripeSubscription:
    """The port's view of a typed Stripe subscription (latest invoice and pending SetupIntent
    read only when expanded: unexpanded, they are id strings)."""
    item = sub.items.data[0]
    invoice = sub.latest_invoice
    setup = sub.pending_setup_intent
    expanded = invoice if invoice is not None and not isinstance(invoice, str) else None
    secret = expanded.confirmation_secret if expanded is not None else None
    return StripeSubscription(
        id=sub.id,
        status=sub.status,
        item_id=item.id,
        price=price_of(item.price),
        cancel_at_period_end=sub.cancel_at_period_end,
        client_secret=secret.client_secret if secret is not None else None,
        setup_client_secret=setup.client_secret if setup is not None and not isinstance(setup, str) else None,
        latest_invoice_id=invoice if isinstance(invoice, str) else (expanded.id if expanded is not None else None),
        payment_intent_id=_payment_intent_of(expanded) if expanded is not None else None,
        created=sub.created,
    )


def _payment_intent_of(invoice: Invoice) -> str | None:
    """The invoice's default PaymentIntent, from its (expanded) `payments`."""
    if invoice.payments is None:
        return None
    for payment in sorted(invoice.payments.data, key=lambda p: not p.is_default):
        intent = payment.payment.payment_intent
        if payment.payment.type == "payment_intent" and intent is not None:
            return intent if isinstance(intent, str) else intent.id
    return None
