"""Subscriptions as Stripe Billing runs them, on localstripe.

Replaces localstripe's create/update/cancel/list of subscriptions (one item per subscription, as
localstripe): `items[0][price]` (or `plan`), `trial_period_days`/`trial_end` (`trialing`, a 0 invoice),
`payment_behavior` (`default_incomplete` leaves the first invoice's PaymentIntent to confirm with
`expand[]=latest_invoice.payment_intent`), `default_payment_method`, `cancel_at_period_end`,
`pause_collection`, `trial_settings[end_behavior][missing_payment_method]`, price changes with
`proration_behavior` (create_prorations: pending items on the next invoice; always_invoice: an
invoice now; none). A change of interval starts a new period now and invoices it at once, with a
credit for the unused time. Periods follow the billing cycle anchor; localstripe_renewals and
localstripe_clock move them on. Every change emits `customer.subscription.updated` with
`previous_attributes`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from localstripe.errors import UserError
from localstripe.resources import (
    Customer,
    Event,
    Invoice,
    InvoiceItem,
    List,
    PaymentMethod,
    Plan,
    StripeObject,
    Subscription,
    SubscriptionItem,
    store,
)

from devtools import localstripe_invoices as invoices
from devtools import localstripe_setup_intents as setup_intents
from devtools.localstripe_billing import (
    Json,
    as_bool,
    as_int,
    as_metadata,
    hold_events,
    merge_metadata,
    set_route,
    unexpected,
)
from devtools.localstripe_clock import now
from devtools.localstripe_events import unexpanded
from devtools.localstripe_prices import Price, price_for_plan
from devtools.localstripe_renewals import add_interval, bill, cancel, emit_updated, end_trial, resume

DAY = 86400
PAYMENT_BEHAVIORS = ("allow_incomplete", "default_incomplete", "error_if_incomplete", "pending_if_incomplete")
PRORATION_BEHAVIORS = ("create_prorations", "always_invoice", "none")
IGNORED = ("off_session", "collection_method", "currency", "proration_date", "automatic_tax", "expand")

_original_item_period = SubscriptionItem._current_period


def _resolve_plan(item: Any) -> Any:
    ref = item.get("price") or item.get("plan")
    if type(ref) is not str:
        raise UserError(400, "Missing required param: items[0][price].", {"param": "items[0][price]"})
    price = store.get("price:" + ref)
    if isinstance(price, Price):
        if not price.active:
            raise UserError(400, f"The price specified is inactive: {ref}", {"param": "items[0][price]"})
        if price.type != "recurring":
            raise UserError(400, "The price specified is not recurring", {"param": "items[0][price]"})
    return Plan._api_retrieve(ref)


def _items(items: Any) -> Json:
    if type(items) is not list or len(items) != 1 or type(items[0]) is not dict:
        raise UserError(400, "Exactly one subscription item is implemented locally", {"param": "items"})
    unexpected({k: v for k, v in items[0].items() if k not in ("id", "price", "plan", "quantity", "metadata")})
    return dict(items[0])


def _attached_method(method: Any, customer: str) -> str:
    found = PaymentMethod._api_retrieve(method)
    if found.customer != customer:
        raise UserError(400, f"The customer does not have a payment method with the ID {method}.")
    return str(found.id)


def _trial_end(trial_end: Any, trial_period_days: Any) -> int | None:
    if trial_end is not None and trial_end != "now":
        end = as_int(trial_end, "trial_end")
        if end <= now():
            raise UserError(400, "trial_end must be in the future", {"param": "trial_end"})
        return end
    if trial_end is None and trial_period_days is not None:
        days = as_int(trial_period_days, "trial_period_days", 0)
        return now() + days * DAY if days else None
    return None


def _settings(sub: Any, payment_settings: Any, trial_settings: Any) -> None:
    if isinstance(payment_settings, dict) and payment_settings.get("save_default_payment_method"):
        sub.payment_settings["save_default_payment_method"] = payment_settings["save_default_payment_method"]
    sub._save_default = sub.payment_settings["save_default_payment_method"] == "on_subscription"
    if isinstance(trial_settings, dict):
        behavior = (trial_settings.get("end_behavior") or {}).get("missing_payment_method", "create_invoice")
        if behavior not in ("create_invoice", "pause", "cancel"):
            raise UserError(400, "Invalid trial_settings[end_behavior][missing_payment_method]")
        sub.trial_settings = {"end_behavior": {"missing_payment_method": behavior}}


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
    item = _items(items if items is not None or plan is None else [{"plan": plan, "quantity": quantity}])
    plan_obj = _resolve_plan(item)
    qty = as_int(item.get("quantity") or 1, "items[0][quantity]", 1)
    behavior = payment_behavior or "allow_incomplete"
    if behavior not in PAYMENT_BEHAVIORS or proration_behavior not in (None, *PRORATION_BEHAVIORS):
        raise UserError(400, "Invalid payment_behavior or proration_behavior")
    method = _attached_method(default_payment_method, customer) if default_payment_method else None
    trial = _trial_end(trial_end, trial_period_days)
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
    _settings(sub, payment_settings, trial_settings)
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
        _set_cancel_at_period_end(sub, True)

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


def _set_cancel_at_period_end(sub: Any, flag: bool) -> None:
    sub.cancel_at_period_end = flag
    sub.cancel_at = sub._period_end if flag else None
    sub.canceled_at = now() if flag else None
    sub.cancellation_details["reason"] = "cancellation_requested" if flag else None


def _change_item(sub: Any, item: Json, proration: str) -> Callable[[], Any] | None:
    current = sub.items._list[0]
    if item.get("id") not in (None, current.id):
        raise UserError(404, f"No such subscription item: '{item['id']}'", {"param": "items[0][id]"})
    new_plan = _resolve_plan(item) if (item.get("price") or item.get("plan")) else current.plan
    qty = as_int(item.get("quantity") or current.quantity, "items[0][quantity]", 1)
    if item.get("metadata") is not None:
        current.metadata = merge_metadata(current.metadata, item["metadata"])
    old_plan, old_qty, t = current.plan, current.quantity, now()
    if new_plan.id == old_plan.id and qty == old_qty:
        return None
    if new_plan.currency != old_plan.currency:
        raise UserError(400, "The price's currency must match the subscription's currency")
    current.plan, current.quantity, sub.quantity = new_plan, qty, qty
    if sub.status not in ("active", "past_due"):
        return None  # trialing or incomplete: nothing was paid for the current period yet
    start, end = sub._period_start, sub._period_end
    fraction = max(0, end - t) / (end - start) if end > start else 0.0
    day = datetime.fromtimestamp(t, tz=UTC).strftime("%d %b %Y")
    common = {"customer": sub.customer, "currency": old_plan.currency, "subscription": sub.id, "proration": True}
    period = {"period_start": t, "period_end": end}
    if proration != "none" and fraction > 0:
        credit = round(old_plan.amount * old_qty * fraction)
        InvoiceItem(
            amount=-credit,
            plan=old_plan.id,
            description=f"Unused time on {old_plan.name} after {day}",
            **common,
            **period,
        )
    if (new_plan.interval, new_plan.interval_count) != (old_plan.interval, old_plan.interval_count):
        sub._anchor = sub.billing_cycle_anchor = t
        sub._cycle = 0
        sub._period_start, sub._period_end = t, add_interval(t, new_plan)
        if sub.cancel_at_period_end:
            sub.cancel_at = sub._period_end
        return lambda: bill(sub, "subscription_update")
    if proration == "none" or fraction <= 0:
        return None
    debit = round(new_plan.amount * qty * fraction)
    InvoiceItem(
        amount=debit, plan=new_plan.id, description=f"Remaining time on {new_plan.name} after {day}", **common, **period
    )
    if proration == "always_invoice":
        return lambda: bill(sub, "subscription_update", include_line=False)
    return None


def update_subscription(
    id: str,
    metadata: Any = None,
    items: Any = None,
    trial_end: Any = None,
    cancel_at_period_end: Any = None,
    cancel_at: Any = None,
    proration_behavior: Any = None,
    payment_behavior: Any = None,
    default_payment_method: Any = None,
    description: Any = None,
    pause_collection: Any = None,
    payment_settings: Any = None,
    trial_settings: Any = None,
    cancellation_details: Any = None,
    **kwargs: Any,
) -> Any:
    unexpected({k: v for k, v in kwargs.items() if k not in IGNORED})
    sub = Subscription._api_retrieve(id)
    ended = sub.status in ("canceled", "incomplete_expired")
    if ended and any(x is not None for x in (items, trial_end, cancel_at_period_end, cancel_at, pause_collection)):
        raise UserError(400, "A canceled subscription can only update its cancellation_details and metadata.")
    if proration_behavior not in (None, *PRORATION_BEHAVIORS) or payment_behavior not in (None, *PAYMENT_BEHAVIORS):
        raise UserError(400, "Invalid proration_behavior or payment_behavior")
    before = sub._export()
    if metadata is not None:
        sub.metadata = merge_metadata(sub.metadata, metadata)
    if description is not None:
        sub.description = description or None
    if isinstance(cancellation_details, dict):
        sub.cancellation_details.update(
            {k: cancellation_details[k] for k in ("comment", "feedback") if k in cancellation_details}
        )
    if default_payment_method is not None:
        sub.default_payment_method = (
            _attached_method(default_payment_method, sub.customer) if default_payment_method else None
        )
    _settings(sub, payment_settings, trial_settings)
    if cancel_at_period_end is not None:
        _set_cancel_at_period_end(sub, as_bool(cancel_at_period_end, "cancel_at_period_end"))
    if cancel_at is not None:
        sub.cancel_at = as_int(cancel_at, "cancel_at") if cancel_at != "" else None
        sub.canceled_at = now() if sub.cancel_at else None
    if pause_collection is not None:
        sub.pause_collection = _pause(pause_collection)
    then = _change_item(sub, _items(items), proration_behavior or "create_prorations") if items is not None else None
    end_trial_now = False
    if trial_end is not None and sub.status == "trialing":
        if trial_end == "now":
            end_trial_now = True
        else:
            sub.trial_end = sub._anchor = sub.billing_cycle_anchor = sub._period_end = _trial_end(trial_end, None)
            sub._trial_will_end_sent = False
    emit_updated(sub, before)
    if end_trial_now:
        sub.trial_end = now()
        end_trial(sub)
    if then is not None:
        then()
    return sub


def _pause(value: Any) -> Json | None:
    if value == "":
        return None
    if type(value) is not dict or value.get("behavior") not in ("keep_as_draft", "mark_uncollectible", "void"):
        raise UserError(400, "Invalid pause_collection[behavior]", {"param": "pause_collection[behavior]"})
    resumes = value.get("resumes_at")
    return {"behavior": value["behavior"], "resumes_at": as_int(resumes, "resumes_at") if resumes else None}


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
