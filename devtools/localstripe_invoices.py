"""Subscription invoices on localstripe: creation, finalisation, payment attempts, dunning events.

Stripe's events are emitted: `invoice.created`, `invoice.finalized`, `invoice.paid` +
`invoice.payment_succeeded`, `invoice.payment_failed` (with `next_payment_attempt` while retries
remain), `invoice.payment_action_required` when the card needs authentication off-session.
Retries of a failed renewal: 3, 5 and 7 days after each failure (then the subscription is
canceled, Stripe's default); `POST /v1/invoices/{id}/pay` retries at once (402 when declined).
Stripe finalises renewal invoices about an hour after creating them; locally it is immediate.

Invoices take the shape of API 2026-10-28: no top-level `subscription`, `subscription_details`,
`payment_intent` or `charge` (expanding `payment_intent` is refused, as Stripe does); the
subscription is under `parent.subscription_details` (`subscription`, `metadata`: a snapshot
of the subscription's metadata at finalisation); `confirmation_secret` and `payments` (the
PaymentIntents that pay it) are returned only when expanded. Lines name their price under
`pricing.price_details` and what generated them under `parent` (`subscription_item_details` or
`invoice_item_details`, with `proration`); localstripe's own line fields (`plan`, `price`,
`type`, ...) stay internal (localstripe_events.REMOVED_AT_PINNED_VERSION).
"""

from __future__ import annotations

from typing import Any

from localstripe.errors import UserError
from localstripe.resources import Customer, Invoice, InvoiceLineItem, PaymentIntent, PaymentMethod, store

from devtools.localstripe_billing import Json, as_bool, emit, emit_updated, set_route, unexpected
from devtools.localstripe_clock import now
from devtools.localstripe_events import unexpanded
from devtools.localstripe_prices import price_for_plan

DAY = 86400
RETRY_DAYS = (3, 5, 7)

_original_next_attempt = Invoice.next_payment_attempt
_original_export = Invoice._export
REMOVED = ("subscription", "subscription_details", "payment_intent", "charge")
INCLUDABLE = ("confirmation_secret", "payments")


def subscription_of(invoice: Any) -> Any:
    return store.get("subscription:" + invoice.subscription) if invoice.subscription else None


def default_payment_method(customer_id: str, subscription: Any = None) -> str | None:
    if subscription is not None and subscription.default_payment_method:
        return str(subscription.default_payment_method)
    customer = Customer._api_retrieve(customer_id)
    source = customer._get_default_payment_method_or_source()
    return None if source is None else str(source.id)


def new_invoice(sub: Any, reason: str, include_line: bool = True, trial: bool = False) -> Any:
    """A draft invoice for the subscription's current period, with the customer's pending items."""
    invoice = Invoice(customer=sub.customer, subscription=sub.id, items=[], date=now(), upcoming=True)
    if include_line:
        for item in sub.items._list:
            item.invoice = invoice.id
            line = InvoiceLineItem(item)
            del item.invoice
            name = line.description
            line.description = f"Trial period for {name}" if trial else f"{item.quantity} × {name}"  # noqa: RUF001
            if trial:
                line.amount = 0
            invoice.lines._list.append(line)
    invoice.currency = sub.items._list[0].plan.currency
    invoice.billing_reason = reason
    invoice.attempt_count = 0
    invoice.attempted = False
    invoice.period_start, invoice.period_end = sub.current_period_start, sub.current_period_end
    invoice._next_attempt = None
    invoice._subscription_metadata = dict(sub.metadata)
    sub.latest_invoice = invoice.id
    emit("invoice.created", invoice)
    return invoice


def finalize(invoice: Any) -> None:
    invoice._finalize()
    sub = subscription_of(invoice)
    if sub is not None:
        invoice._subscription_metadata = dict(sub.metadata)
    emit("invoice.finalized", invoice)


def void(invoice: Any) -> None:
    invoice._draft = False
    invoice._voided = True
    invoice._next_attempt = None
    invoice.status_transitions["voided_at"] = now()
    emit("invoice.voided", invoice)


def attempt(invoice: Any, payment_method: str | None, on_session: bool = False) -> str:
    """Charge an open invoice; returns "paid", "failed" or "requires_action"."""
    invoice.attempted = True
    if invoice.status == "paid":
        invoice._on_payment_success()
        return "paid"
    invoice.attempt_count += 1
    intent = PaymentIntent._api_retrieve(invoice.payment_intent) if invoice.payment_intent else None
    if intent is None or intent.status in ("succeeded", "canceled"):
        intent = PaymentIntent(amount=invoice.total, currency=invoice.currency, customer=invoice.customer)
        link_intent(invoice, intent)
    if payment_method is None:
        invoice_failed(invoice)
        return "failed"
    intent.payment_method = payment_method
    intent.latest_charge = None
    intent.next_action = None
    intent._confirm(on_failure_now=lambda: None)
    if intent.status == "requires_action" and on_session:  # the customer authenticates on the page
        PaymentIntent._api_authenticate(intent.id, client_secret=intent.client_secret, success=True)
    if intent.status == "succeeded":
        return "paid"
    if intent.status == "requires_action":
        emit("invoice.payment_action_required", invoice)
        _mark_past_due(invoice)
        return "requires_action"
    emit("payment_intent.payment_failed", intent)
    invoice_failed(invoice)
    return "failed"


def invoice_paid(invoice: Any) -> None:
    """Replaces Invoice._on_payment_success."""
    invoice.status_transitions["paid_at"] = now()
    invoice._next_attempt = None
    emit("invoice.paid", invoice)
    emit("invoice.payment_succeeded", invoice)
    sub = subscription_of(invoice)
    if sub is None or sub.status in ("canceled", "incomplete_expired"):
        return
    before = sub._export()
    intent = PaymentIntent._api_retrieve(invoice.payment_intent) if invoice.payment_intent else None
    if sub._save_default and intent is not None and intent.payment_method and not sub.default_payment_method:
        method = PaymentMethod._api_retrieve(intent.payment_method)
        method.customer = method.customer or sub.customer
        sub.default_payment_method = method.id
    still_open = [i for i in _invoices_of(sub) if i.status == "open" and i is not invoice]
    if sub.status in ("incomplete", "past_due", "unpaid") and not still_open:
        sub.status = "active"
    if not sub._creating:
        emit_updated(sub, before)


def invoice_failed(invoice: Any) -> None:
    """Replaces Invoice._on_payment_failure_now/_later (the PaymentIntent event is already sent)."""
    sub = subscription_of(invoice)
    retry = sub is not None and invoice.billing_reason != "subscription_create"
    count = max(1, invoice.attempt_count)
    invoice._next_attempt = now() + RETRY_DAYS[count - 1] * DAY if retry and count <= len(RETRY_DAYS) else None
    emit("invoice.payment_failed", invoice)
    if sub is None:
        return
    _mark_past_due(invoice)
    if retry and invoice._next_attempt is None and sub.status == "past_due":
        cancel(sub, "payment_failed")


def _mark_past_due(invoice: Any) -> None:
    sub = subscription_of(invoice)
    if sub is not None and sub.status in ("active", "trialing"):
        before = sub._export()
        sub.status = "past_due"
        emit_updated(sub, before)


def _invoices_of(sub: Any) -> list[Any]:
    return [v for k, v in store.items() if k.startswith("invoice:") and v.subscription == sub.id]


def retries_due() -> list[tuple[int, Any]]:
    return [
        (v._next_attempt, v)
        for k, v in store.items()
        if k.startswith("invoice:") and getattr(v, "_next_attempt", None) is not None and v.status == "open"
    ]


def retry(invoice: Any) -> None:
    invoice._next_attempt = None
    sub = subscription_of(invoice)
    if sub is not None and sub.status not in ("canceled", "incomplete_expired"):
        attempt(invoice, default_payment_method(invoice.customer, sub))


def _pay(
    id: str, payment_method: Any = None, off_session: Any = None, paid_out_of_band: Any = None, **kwargs: Any
) -> Any:
    unexpected(kwargs)
    invoice = Invoice._api_retrieve(id)
    if invoice.status == "paid":
        raise UserError(400, "Invoice is already paid", {"code": "invoice_already_paid"})
    if invoice.status not in ("draft", "open"):
        raise UserError(400, f"You cannot pay an invoice with status {invoice.status}")
    if invoice.status == "draft":
        finalize(invoice)
    if paid_out_of_band is not None and as_bool(paid_out_of_band, "paid_out_of_band"):
        raise UserError(400, "paid_out_of_band is not implemented locally")
    if invoice.status == "paid":
        invoice._on_payment_success()
        return invoice
    method = PaymentMethod._api_retrieve(payment_method).id if payment_method else None
    method = method or default_payment_method(invoice.customer, subscription_of(invoice))
    if method is None:
        raise UserError(400, "This customer has no attached payment source or default payment method.")
    if attempt(invoice, method) == "failed":
        raise UserError(402, "Your card was declined.", {"code": "card_declined", "decline_code": "generic_decline"})
    return invoice


def _next_payment_attempt(self: Any) -> Any:
    if "_next_attempt" in vars(self):
        return self._next_attempt if self.status == "open" else None
    return _original_next_attempt.fget(self)


def _confirmation_secret(self: Any) -> Json | None:
    if not self.payment_intent or self.status != "open":
        return None
    intent = PaymentIntent._api_retrieve(self.payment_intent)
    return {"client_secret": intent.client_secret, "type": "payment_intent"}


def _parent(self: Any) -> Json | None:
    if not self.subscription:
        return None
    metadata = getattr(self, "_subscription_metadata", None)
    return {
        "type": "subscription_details",
        "quote_details": None,
        "subscription_details": {"subscription": self.subscription, "metadata": dict(metadata or {})},
    }


def _payments(invoice: Any) -> Json:
    intents = [
        v for k, v in store.items() if k.startswith("payment_intent:") and getattr(v, "invoice", None) == invoice.id
    ]
    data = []
    for intent in sorted(intents, key=lambda i: i.created):
        status = {"succeeded": "paid", "canceled": "canceled"}.get(intent.status, "open")
        data.append(
            {
                "id": "inpay_" + intent.id.removeprefix("pi_"),
                "object": "invoice_payment",
                "amount_paid": intent.amount if status == "paid" else None,
                "amount_requested": intent.amount,
                "created": intent.created,
                "currency": intent.currency,
                "invoice": invoice.id,
                "is_default": intent.id == invoice.payment_intent,
                "livemode": False,
                "payment": {"type": "payment_intent", "payment_intent": intent.id},
                "status": status,
                "status_transitions": {"canceled_at": None, "paid_at": None},
            }
        )
    return {"object": "list", "data": data, "has_more": False, "url": f"/v1/invoice_payments?invoice={invoice.id}"}


def export_invoice(self: Any, expand: Any = None) -> Json:
    """Invoice._export at the pinned API version (see the module docstring)."""
    paths = list(expand or [])
    if not isinstance(expand, list | type(None)) or not all(isinstance(p, str) for p in paths):
        raise UserError(400, "Bad request")
    for path in paths:
        if path.split(".")[0] in REMOVED:
            raise UserError(400, f"This property cannot be expanded ({path.split('.')[0]}).", {"param": "expand"})
    obj: Json = _original_export(self, [p for p in paths if p.split(".")[0] not in INCLUDABLE])
    for key in (*REMOVED, *INCLUDABLE):
        obj.pop(key, None)
    wanted = {p.split(".")[0] for p in paths}
    if "confirmation_secret" in wanted:
        obj["confirmation_secret"] = _confirmation_secret(self)
    if "payments" in wanted:
        obj["payments"] = _payments(self)
    return dict(unexpanded(obj, keep=tuple(paths)))


def _line_pricing(self: Any) -> Json | None:
    price = price_for_plan(self.plan) if self.plan else None
    if price is None:
        return None
    return {
        "type": "price_details",
        "price_details": {"price": price.id, "product": price.product},
        "unit_amount_decimal": price.unit_amount_decimal,
    }


def _line_parent(self: Any) -> Json:
    details = {"proration": bool(self.proration), "proration_details": {"credited_items": None}}
    if self.type == "subscription":
        item = {"invoice_item": None, "subscription": self.subscription, "subscription_item": self.subscription_item}
        return {
            "type": "subscription_item_details",
            "invoice_item_details": None,
            "subscription_item_details": {**details, **item},
        }
    return {
        "type": "invoice_item_details",
        "invoice_item_details": {**details, "invoice_item": self.invoice_item, "subscription": self.subscription},
        "subscription_item_details": None,
    }


def link_intent(invoice: Any, intent: Any) -> None:
    """The PaymentIntent that pays the invoice (listed in its `payments`; localstripe's
    PaymentIntent tells the invoice of its outcome through its `invoice`)."""
    intent.invoice = invoice.id
    invoice.payment_intent = intent.id


def register() -> None:
    Invoice._export = export_invoice
    Invoice.parent = property(_parent)
    Invoice._on_payment_success = invoice_paid
    Invoice._on_payment_failure_now = invoice_failed
    Invoice._on_payment_failure_later = invoice_failed
    Invoice.next_payment_attempt = property(_next_payment_attempt)
    Invoice.confirmation_secret = property(_confirmation_secret)
    Invoice.paid = property(lambda self: self.status == "paid")
    Invoice.amount_remaining = property(lambda self: self.amount_due - self.amount_paid)
    InvoiceLineItem.price = property(lambda self: price_for_plan(self.plan) if self.plan else None)
    InvoiceLineItem.pricing = property(_line_pricing)
    InvoiceLineItem.parent = property(_line_parent)
    InvoiceLineItem.subtotal = property(lambda self: self.amount)
    InvoiceLineItem.discountable = property(lambda self: True)
    InvoiceLineItem.discounts = property(lambda self: [])
    set_route("POST", "/v1/invoices/{id}/pay", _pay)


def cancel(sub: Any, reason: str) -> None:
    sub.status = "canceled"
    sub.ended_at = now()
    sub.canceled_at = sub.canceled_at or sub.ended_at
    sub.cancellation_details["reason"] = sub.cancellation_details["reason"] or reason
    for invoice in _invoices_of(sub):
        invoice._next_attempt = None
    emit("customer.subscription.deleted", sub)
