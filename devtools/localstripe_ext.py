"""localstripe, patched to behave like Stripe where this product depends on it.

Run: python -m devtools.localstripe_ext --port 8420

Changes to localstripe 1.15.10 (each covered by tests/integration/test_localstripe_ext.py):
- no persistence: state lives in memory only (parallel runs never share /tmp/localstripe.pickle);
- a manual-capture PaymentIntent whose card is authorised emits
  `payment_intent.amount_capturable_updated` (localstripe emitted nothing), `succeeded` only
  after capture, and `payment_intent.canceled` on cancel;
- PaymentIntents expose `amount_capturable` and `amount_received`; uncaptured charges expose
  `payment_method_details.card.capture_before` (authorisation + 7 days, as Stripe does for cards);
- `confirm` accepts `payment_method` and `client_secret`, as Stripe.js sends them;
- PaymentIntent create takes the parameters of the pinned API version: `payment_method_types`
  is refused (400, as Stripe does: the parameter is `allowed_payment_method_types`), and
  `transfer_data[destination]` (+ `amount`) and `application_fee_amount` (only with a
  destination) are accepted and returned;
- a PaymentIntent's `latest_charge` is the charge's id unless the request expands it
  (`expand[]=latest_charge` on retrieve, create, confirm, capture, cancel); fields the pinned
  version removed (`charges`, `invoice`; a charge's `invoice`) are not returned, nor a charge's
  `refunds` unless expanded; a cancelled PaymentIntent has `cancellation_reason` and `canceled_at`;
- events are rendered at the pinned API version with unexpanded ids (localstripe_events) and
  POST requests honour `Idempotency-Key`, with a fault switch `POST /_test/faults`
  (localstripe_idempotency);
- Stripe Connect accounts (`/v1/accounts`, Express as the product creates them), Account Links,
  Login Links, and local onboarding controls that emit `account.updated` with the connected
  account in the event's `account` (localstripe_connect, localstripe_connect_onboarding).
- refunds (`POST /v1/refunds`, `charge.refunded`), the transfer and application fee of a destination
  charge with their proportional reversal and refund, and disputes opened and closed by local
  controls (localstripe_refunds, localstripe_disputes).
"""

from __future__ import annotations

import sys
from typing import Any

from localstripe import resources
from localstripe.errors import UserError
from localstripe.resources import Charge, Event, PaymentIntent, Store, StripeObject, extra_apis, try_convert_to_int
from localstripe.webhooks import schedule_webhook

from devtools import (
    localstripe_billing,
    localstripe_checkout,
    localstripe_clock,
    localstripe_connect,
    localstripe_connect_onboarding,
    localstripe_disputes,
    localstripe_events,
    localstripe_idempotency,
    localstripe_prices,
    localstripe_refunds,
    localstripe_renewals,
    localstripe_subscriptions,
)
from devtools.localstripe_events import unexpanded

AUTHORIZATION_VALIDITY_SECONDS = 7 * 24 * 3600
REMOVED_FIELDS = {PaymentIntent: ("charges", "invoice"), Charge: ("invoice",)}
"""What localstripe returns that the pinned API version no longer has."""
ONLY_WHEN_EXPANDED = {Charge: ("refunds",)}
"""What Stripe includes only when the request expands it."""
CANCELLATION_REASONS = (None, "", "duplicate", "fraudulent", "requested_by_customer", "abandoned")


def _no_disk(self: Store) -> None:
    return None


def _amount_capturable(self: PaymentIntent) -> int:
    return self.amount if self.status == "requires_capture" else 0


def _amount_received(self: PaymentIntent) -> int:
    charge = self.latest_charge
    if charge is None or not charge.captured or charge.status != "succeeded":
        return 0
    return int(charge.amount) - int(getattr(charge, "amount_refunded", 0) or 0)


def _payment_method_details(self: Charge) -> dict[str, Any] | None:
    if self.status != "succeeded":
        return None
    card: dict[str, Any] = {}
    if not self.captured:
        card["capture_before"] = int(self.created) + AUTHORIZATION_VALIDITY_SECONDS
    return {"type": "card", "card": card}


_original_create_charge = PaymentIntent._create_charge


def _create_charge(self: PaymentIntent, on_failure_now: Any) -> None:
    _original_create_charge(self, on_failure_now)
    charge = self.latest_charge
    if self.capture_method == "manual" and charge is not None and charge.status == "succeeded" and not charge.captured:
        schedule_webhook(Event("payment_intent.amount_capturable_updated", self))


_original_cancel = PaymentIntent._api_cancel.__func__  # type: ignore[attr-defined]


def _api_cancel(cls: type[PaymentIntent], id: str, cancellation_reason: Any = None, **kwargs: Any) -> PaymentIntent:
    if cancellation_reason not in CANCELLATION_REASONS:
        raise UserError(400, "Invalid cancellation_reason", {"param": "cancellation_reason"})
    obj = _original_cancel(cls, id, **kwargs)
    obj.cancellation_reason = cancellation_reason or "requested_by_customer"
    obj.canceled_at = int(resources.time.time())
    schedule_webhook(Event("payment_intent.canceled", obj))
    return obj


_original_confirm = PaymentIntent._api_confirm.__func__  # type: ignore[attr-defined]


def _api_confirm(
    cls: type[PaymentIntent],
    id: str,
    payment_method: str | None = None,
    client_secret: str | None = None,
    **kwargs: Any,
) -> PaymentIntent:
    obj = cls._api_retrieve(id)
    if client_secret is not None and client_secret != obj.client_secret:
        raise UserError(400, "client_secret does not match this PaymentIntent")
    if payment_method is not None:
        resources.PaymentMethod._api_retrieve(payment_method)  # 404 when unknown
        if obj.status not in ("requires_payment_method", "requires_confirmation"):
            raise UserError(400, "This PaymentIntent cannot be confirmed in its current state")
        obj.payment_method = payment_method
        obj.latest_charge = None
    return _original_confirm(cls, id, **kwargs)


def _param_error(message: str, param: str) -> UserError:
    return UserError(400, message, {"param": param})


def _allowed_types(value: Any) -> list[str] | None:
    if value is None:
        return None
    if type(value) is not list or not value or not all(type(v) is str and v for v in value):
        raise _param_error("Invalid array: allowed_payment_method_types", "allowed_payment_method_types")
    return list(value)


def _transfer_data(value: Any, amount: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if type(value) is not dict:
        raise _param_error("Invalid object: transfer_data", "transfer_data")
    unknown = sorted(set(value) - {"destination", "amount"})
    if unknown:
        raise _param_error(f"Received unknown parameter: transfer_data[{unknown[0]}]", f"transfer_data[{unknown[0]}]")
    destination = value.get("destination")
    if type(destination) is not str or not destination.startswith("acct_"):
        raise _param_error("transfer_data[destination] must be a connected account id", "transfer_data[destination]")
    share = None if value.get("amount") is None else try_convert_to_int(value["amount"])
    if share is not None and (type(share) is not int or not 0 <= share <= try_convert_to_int(amount)):
        raise _param_error("Invalid integer: transfer_data[amount]", "transfer_data[amount]")
    return {"amount": share, "destination": destination}


def _application_fee(value: Any, amount: Any, transfer: dict[str, Any] | None) -> int | None:
    if value is None:
        return None
    fee = try_convert_to_int(value)
    if type(fee) is not int or not 0 <= fee <= try_convert_to_int(amount):
        raise _param_error("Invalid integer: application_fee_amount", "application_fee_amount")
    if transfer is None:
        raise _param_error(
            "Can only apply an application_fee_amount when the PaymentIntent is attempting a destination payment "
            "(using `transfer_data[destination]`).",
            "application_fee_amount",
        )
    return fee


_original_init = PaymentIntent.__init__


def _init(
    self: PaymentIntent,
    allowed_payment_method_types: Any = None,
    transfer_data: Any = None,
    application_fee_amount: Any = None,
    **kwargs: Any,
) -> None:
    if "payment_method_types" in kwargs:
        raise _param_error(
            "Received unknown parameter: payment_method_types. Did you mean allowed_payment_method_types?",
            "payment_method_types",
        )
    allowed = _allowed_types(allowed_payment_method_types)
    transfer = _transfer_data(transfer_data, kwargs.get("amount"))
    fee = _application_fee(application_fee_amount, kwargs.get("amount"), transfer)
    _original_init(self, **kwargs)
    self.allowed_payment_method_types = allowed
    self.payment_method_types = allowed or ["card"]
    self.transfer_data = transfer
    self.application_fee_amount = fee
    self.cancellation_reason = None
    self.canceled_at = None


def _export(self: StripeObject, expand: Any = None) -> dict[str, Any]:
    """Stripe's rendering: expandable fields are ids unless expanded, removed fields absent."""
    exported = StripeObject._export(self, expand=expand)
    for name in REMOVED_FIELDS.get(type(self), ()):
        exported.pop(name, None)
    for name in ONLY_WHEN_EXPANDED.get(type(self), ()):
        if name not in (expand or ()):
            exported.pop(name, None)
    return dict(unexpanded(exported, keep=tuple(expand or ())))


def apply_patches() -> None:
    localstripe_billing.register()
    localstripe_clock.register()
    localstripe_clock.add_due_source(localstripe_renewals.next_due)
    localstripe_prices.register()
    localstripe_subscriptions.register()
    localstripe_checkout.register()
    localstripe_connect.register()
    localstripe_connect_onboarding.register()
    localstripe_refunds.register()
    localstripe_disputes.register()
    localstripe_events.register()
    localstripe_idempotency.register()
    PaymentIntent.__init__ = _init  # type: ignore[method-assign]
    PaymentIntent._export = _export  # type: ignore[method-assign]
    Charge._export = _export  # type: ignore[method-assign]
    Store.dump_to_disk = _no_disk  # type: ignore[method-assign]
    PaymentIntent.amount_capturable = property(_amount_capturable)  # type: ignore[attr-defined]
    PaymentIntent.amount_received = property(_amount_received)  # type: ignore[attr-defined]
    Charge.payment_method_details = property(_payment_method_details)  # type: ignore[attr-defined]
    PaymentIntent._create_charge = _create_charge  # type: ignore[method-assign]
    PaymentIntent._api_cancel = classmethod(_api_cancel)  # type: ignore[method-assign,assignment,arg-type]
    PaymentIntent._api_confirm = classmethod(_api_confirm)  # type: ignore[method-assign,assignment,arg-type]
    # localstripe's server binds routes from `extra_apis` when it is imported: swap them first.
    replaced = {
        "/v1/payment_intents/{id}/confirm": PaymentIntent._api_confirm,
        "/v1/payment_intents/{id}/cancel": PaymentIntent._api_cancel,
    }
    for index, (method, url, _func) in enumerate(extra_apis):
        if method == "POST" and url in replaced:
            extra_apis[index] = (method, url, replaced[url])


def main(argv: list[str]) -> None:
    apply_patches()
    from localstripe import server

    from devtools import localstripe_restricted

    localstripe_restricted.install(server)
    localstripe_idempotency.install(server.app)
    sys.argv = ["localstripe", "--from-scratch", *argv]
    server.start()


if __name__ == "__main__":
    main(sys.argv[1:])
