"""Subscription updates on localstripe: metadata, cancellation, pause, trial end, payment settings,
and price changes with `proration_behavior` (create_prorations: pending items on the next invoice;
always_invoice: an invoice now; none). A change of interval starts a new period now and invoices
it at once, with a credit for the unused time. Every change emits `customer.subscription.updated`
with `previous_attributes`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from localstripe.errors import UserError
from localstripe.resources import InvoiceItem, Subscription

from devtools.localstripe_billing import Json, as_bool, as_int, emit_updated, merge_metadata, unexpected
from devtools.localstripe_clock import now
from devtools.localstripe_renewals import add_interval, bill, end_trial
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


def _change_item(sub: Any, item: Json, proration: str) -> Callable[[], Any] | None:
    current = sub.items._list[0]
    if item.get("id") not in (None, current.id):
        raise UserError(404, f"No such subscription item: '{item['id']}'", {"param": "items[0][id]"})
    new_plan = resolve_plan(item) if (item.get("price") or item.get("plan")) else current.plan
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
            attached_method(default_payment_method, sub.customer) if default_payment_method else None
        )
    apply_settings(sub, payment_settings, trial_settings)
    if cancel_at_period_end is not None:
        set_cancel_at_period_end(sub, as_bool(cancel_at_period_end, "cancel_at_period_end"))
    if cancel_at is not None:
        sub.cancel_at = as_int(cancel_at, "cancel_at") if cancel_at != "" else None
        sub.canceled_at = now() if sub.cancel_at else None
    if pause_collection is not None:
        sub.pause_collection = _pause(pause_collection)
    then = _change_item(sub, one_item(items), proration_behavior or "create_prorations") if items is not None else None
    end_trial_now = False
    if trial_end is not None and sub.status == "trialing":
        if trial_end == "now":
            end_trial_now = True
        else:
            sub.trial_end = sub._anchor = sub.billing_cycle_anchor = sub._period_end = trial_end_of(trial_end, None)
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
