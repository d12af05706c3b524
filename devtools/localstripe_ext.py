"""localstripe, patched to behave like Stripe where this product depends on it.

Run: python -m devtools.localstripe_ext --port 8420

Changes to localstripe 1.15.10 (each covered by tests/integration/test_localstripe_ext.py):
- no persistence: state lives in memory only (parallel runs never share /tmp/localstripe.pickle);
- a manual-capture PaymentIntent whose card is authorised emits
  `payment_intent.amount_capturable_updated` (localstripe emitted nothing), `succeeded` only
  after capture, and `payment_intent.canceled` on cancel;
- PaymentIntents expose `amount_capturable` and `amount_received`; uncaptured charges expose
  `payment_method_details.card.capture_before` (authorisation + 7 days, as Stripe does for cards);
- `confirm` accepts `payment_method` and `client_secret`, as Stripe.js sends them.
"""

from __future__ import annotations

import sys
from typing import Any

from localstripe import resources
from localstripe.errors import UserError
from localstripe.resources import Charge, Event, PaymentIntent, Store, extra_apis
from localstripe.webhooks import schedule_webhook

from devtools import localstripe_billing

AUTHORIZATION_VALIDITY_SECONDS = 7 * 24 * 3600


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


def _api_cancel(cls: type[PaymentIntent], id: str, **kwargs: Any) -> PaymentIntent:
    kwargs.pop("cancellation_reason", None)
    obj = _original_cancel(cls, id, **kwargs)
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


def apply_patches() -> None:
    localstripe_billing.register()
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
    sys.argv = ["localstripe", "--from-scratch", *argv]
    server.start()


if __name__ == "__main__":
    main(sys.argv[1:])
