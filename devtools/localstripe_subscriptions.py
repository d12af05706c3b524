"""Subscriptions as Stripe Billing runs them, on localstripe.

Replaces localstripe's create/update/cancel/list of subscriptions (one item per subscription, as
localstripe): `items[0][price]` (or `plan`), `trial_period_days`/`trial_end` (`trialing`, a 0 invoice),
`payment_behavior` (`default_incomplete` leaves the first invoice's PaymentIntent to confirm with
`expand[]=latest_invoice.confirmation_secret`), `default_payment_method`, `cancel_at_period_end`,
`pause_collection`, `trial_settings[end_behavior][missing_payment_method]`. Updates (price changes,
prorations): localstripe_subscription_updates; parameter checks: localstripe_subscription_params.
Periods follow the billing cycle anchor; localstripe_renewals and localstripe_clock move them on.
A subscription is rendered at the pinned API version (localstripe_events): its period is on its
item (`items.data[].current_period_*`), with no top-level period, `plan`, `quantity` or `discount`.
"""

from __future__ import annotations

from typing import Any

from localstripe.errors import UserError
from localstripe.resources import Customer, Event, Invoice, List, StripeObject, Subscription, SubscriptionItem, store

from devtools import localstripe_invoices as invoices
from devtools import localstripe_setup_intents as setup_intents
from devtools.localstripe_billing import Json, as_bool, as_int, as_metadata, hold_events, set_route, unexpected
from devtools.localstripe_clock import now
from devtools.localstripe_events import unexpanded
from devtools.localstripe_invoices import cancel
from devtools.localstripe_prices import price_for_plan
from devtools.localstripe_renewals import add_interval, resume
from devtools.localstripe_subscription_params import (
    IGNORED,
    PAYMENT_BEHAVIORS,
    PRORATION_BEHAVIORS,
    apply_settings,
    attached_method,
    one_item,
    resolve_plan,
    set_cancel_at_period_end,
    trial_end_of,
)
from devtools.localstripe_subscription_updates import update_subscription

_original_item_period = SubscriptionItem._current_period


def create_subscription(
    customer: Any = None,
    items: Any = None,
    metadata: Any = None,
    trial_period_days: Any = None,
    trial_end: Any = None,
    cancel_at_period_end: Any = None,
    proration_behavior: Any = None,
    payment_behavior: Any = None,
    default_payment_method: Any = None,
    description: Any = None,
    payment_settings: Any = None,
    trial_settings: Any = None,
    plan: Any = None,
    quantity: Any = None,
    _on_session: bool = False,
    **kwargs: Any,
) -> Any:
    unexpected({k: v for k, v in kwargs.items() if k not in IGNORED})
    if type(customer) is not str:
        raise UserError(400, "Missing required param: customer.", {"param": "customer"})
    Customer._api_retrieve(customer)
    item = one_item(items if items is not None or plan is None else [{"plan": plan, "quantity": quantity}])
    plan_obj = resolve_plan(item)
    qty = as_int(item.get("quantity") or 1, "items[0][quantity]", 1)
    behavior = payment_behavior or "allow_incomplete"
    if behavior not in PAYMENT_BEHAVIORS or proration_behavior not in (None, *PRORATION_BEHAVIORS):
        raise UserError(400, "Invalid payment_behavior or proration_behavior")
    method = attached_method(default_payment_method, customer) if default_payment_method else None
    trial = trial_end_of(trial_end, trial_period_days)
    t = now()

    sub = Subscription.__new__(Subscription)
    StripeObject.__init__(sub)
    sub.customer, sub.metadata, sub.description = customer, as_metadata(metadata), description or None
    sub.tax_percent = sub.default_tax_rates = sub.application_fee_percent = sub.discount = None
    sub.cancel_at_period_end, sub.cancel_at, sub.canceled_at, sub.ended_at = False, None, None, None
    sub.cancellation_details = {"comment": None, "feedback": None, "reason": None}
    sub.collection_method, sub.currency, sub.days_until_due = "charge_automatically", plan_obj.currency, None
    sub.default_payment_method, sub.pause_collection, sub.pending_setup_intent = method, None, None
    sub.payment_settings = {"payment_method_types": None, "save_default_payment_method": "off"}
    sub.trial_settings = {"end_behavior": {"missing_payment_method": "create_invoice"}}
    apply_settings(sub, payment_settings, trial_settings)
    sub.latest_invoice, sub.start_date, sub.quantity = None, t, qty
    sub.trial_start, sub.trial_end = (t, trial) if trial else (None, None)
    sub.status = "trialing" if trial else "incomplete"
    sub._anchor = sub.billing_cycle_anchor = trial or t
    sub._cycle = -1 if trial else 0
    sub._period_start, sub._period_end = t, trial or add_interval(t, plan_obj)
    sub._trial_will_end_sent, sub._creating, sub._enable_incomplete_payments = False, True, True
    sub.items = List("/v1/subscription_items?subscription=" + sub.id)
    sub.items._list.append(
        SubscriptionItem(
            subscription=sub.id, plan=plan_obj.id, quantity=qty, metadata=as_metadata(item.get("metadata"))
        )
    )
    if cancel_at_period_end is not None and as_bool(cancel_at_period_end, "cancel_at_period_end"):
        set_cancel_at_period_end(sub, True)

    with hold_events() as held:
        invoice = invoices.new_invoice(sub, "subscription_create", trial=bool(trial))
        invoices.finalize(invoice)
        if invoice.status == "paid":
            invoice._on_payment_success()
        elif behavior == "default_incomplete":
            _open_intent(invoice)
        if trial and behavior == "default_incomplete" and method is None:
            setup_intents.open_for(sub)
        else:
            invoices.attempt(invoice, invoices.default_payment_method(customer, sub), on_session=_on_session)
        sub._creating = False
        if behavior == "error_if_incomplete" and sub.status == "incomplete":
            for key in [f"subscription:{sub.id}", f"invoice:{invoice.id}", *[f"event:{e.id}" for e in held]]:
                store.pop(key, None)
            held.clear()
            raise UserError(402, "Your card was declined.", {"code": "card_declined"})
        held.insert(0, Event("customer.subscription.created", sub))
    return sub


def _open_intent(invoice: Any) -> None:
    """default_incomplete: the PaymentIntent waits for the client to confirm it (Elements)."""
    from localstripe.resources import PaymentIntent

    intent = PaymentIntent(amount=invoice.total, currency=invoice.currency, customer=invoice.customer)
    invoices.link_intent(invoice, intent)


def _delete(cls: type, /, id: str) -> Any:
    sub = Subscription._api_retrieve(id)
    if sub.status in ("canceled", "incomplete_expired"):
        raise UserError(400, "This subscription is already canceled.")
    cancel(sub, "cancellation_requested")
    return sub


def _list(
    cls: type,
    /,
    url: str,
    customer: Any = None,
    status: Any = None,
    price: Any = None,
    limit: Any = None,
    starting_after: Any = None,
    **kwargs: Any,
) -> Any:
    unexpected({k: v for k, v in kwargs.items() if k not in IGNORED})
    subs = [v for k, v in store.items() if k.startswith("subscription:")]
    if status is None:
        subs = [s for s in subs if s.status not in ("canceled", "incomplete_expired")]
    elif status == "ended":
        subs = [s for s in subs if s.status in ("canceled", "incomplete_expired")]
    elif status != "all":
        subs = [s for s in subs if s.status == status]
    if customer is not None:
        subs = [s for s in subs if s.customer == customer]
    if price is not None:
        subs = [s for s in subs if s.items._list[0].plan.id == price]
    result = List(url, limit=limit, starting_after=starting_after)
    result._list = sorted(reversed(subs), key=lambda s: s.created, reverse=True)
    return result


def _item_period(self: Any) -> Json:
    sub = store.get("subscription:" + self._subscription) if self._subscription else None
    if sub is not None and "_period_start" in vars(sub):
        return {"start": sub._period_start, "end": sub._period_end}
    return _original_item_period(self)  # type: ignore[no-any-return]


def _period(edge: str) -> property:
    original = getattr(Subscription, "current_period_" + edge)

    def get(self: Any) -> Any:
        return getattr(self, "_period_" + edge) if "_period_" + edge in vars(self) else original.fget(self)

    return property(get)


_original_export = Subscription._export


def export_subscription(self: Any, expand: Any = None) -> Json:
    """Subscription._export, with `latest_invoice` expanded by the invoice's own export so that
    `latest_invoice.confirmation_secret` / `.payments` (fields returned only when expanded) work."""
    paths = list(expand or [])
    nested = [p.split(".", 1)[1] for p in paths if p.startswith("latest_invoice.")]
    obj: Json = _original_export(self, [p for p in paths if p.split(".")[0] != "latest_invoice"])
    if (nested or "latest_invoice" in paths) and isinstance(obj.get("latest_invoice"), str):
        obj["latest_invoice"] = Invoice._api_retrieve(obj["latest_invoice"])._export(expand=nested)
    return dict(unexpanded(obj, keep=tuple(paths)))


def register() -> None:
    Subscription._export = export_subscription
    invoices.register()
    setup_intents.register()
    Subscription._api_create = classmethod(lambda cls, **data: create_subscription(**data))
    Subscription._api_update = classmethod(lambda cls, id, **data: update_subscription(id, **data))
    Subscription._api_delete = classmethod(_delete)
    Subscription._api_list_all = classmethod(_list)
    Subscription.current_period_start = _period("start")
    Subscription.current_period_end = _period("end")
    SubscriptionItem._current_period = _item_period
    SubscriptionItem.price = property(lambda self: price_for_plan(self.plan))
    SubscriptionItem.subscription = property(lambda self: self._subscription)
    SubscriptionItem.current_period_start = property(lambda self: self._current_period()["start"])
    SubscriptionItem.current_period_end = property(lambda self: self._current_period()["end"])
    set_route("POST", "/v1/subscriptions/{id}/resume", resume)
