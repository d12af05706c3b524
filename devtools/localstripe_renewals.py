"""The life of a subscription over time on localstripe: billing a period, trial end (with
`customer.subscription.trial_will_end` 3 days before), renewals on the billing cycle anchor,
cancellation at `cancel_at`/period end, `pause_collection` (renewal invoices voided or left draft),
paused subscriptions (`trial_settings`) and `POST /v1/subscriptions/{id}/resume`, expiry of
`incomplete` subscriptions after 23 h. `next_due` tells localstripe_clock what comes next.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

from dateutil.relativedelta import relativedelta
from localstripe.errors import UserError
from localstripe.resources import Subscription, store

from devtools import localstripe_invoices as invoices
from devtools.localstripe_billing import emit, emit_updated, unexpected
from devtools.localstripe_clock import now

DAY = 86400
TRIAL_WILL_END_BEFORE = 3 * DAY
INCOMPLETE_EXPIRES_AFTER = 23 * 3600
IGNORED = ("expand",)


def add_interval(timestamp: int, plan: Any, times: int = 1) -> int:
    count = int(plan.interval_count) * times
    delta = {
        "day": relativedelta(days=count),
        "week": relativedelta(weeks=count),
        "month": relativedelta(months=count),
        "year": relativedelta(years=count),
    }[plan.interval]
    return int((datetime.fromtimestamp(timestamp, tz=UTC) + delta).timestamp())


def bill(sub: Any, reason: str, include_line: bool = True) -> Any:
    invoice = invoices.new_invoice(sub, reason, include_line=include_line)
    if sub.pause_collection and reason == "subscription_cycle":
        if sub.pause_collection["behavior"] != "keep_as_draft":
            invoices.finalize(invoice)
            invoices.void(invoice)
        return invoice
    invoices.finalize(invoice)
    if invoice.status == "paid":
        invoice._on_payment_success()
    else:
        invoices.attempt(invoice, invoices.default_payment_method(sub.customer, sub))
    return invoice


def trial_will_end(sub: Any) -> None:
    sub._trial_will_end_sent = True
    emit("customer.subscription.trial_will_end", sub)


def end_trial(sub: Any) -> None:
    before = sub._export()
    sub._trial_will_end_sent = True
    plan = sub.items._list[0].plan
    t = sub.trial_end
    sub._anchor = sub.billing_cycle_anchor = t
    sub._cycle = 0
    sub._period_start, sub._period_end = t, add_interval(t, plan)
    if sub.cancel_at_period_end:
        sub.cancel_at = sub._period_end
    missing = sub.trial_settings["end_behavior"]["missing_payment_method"]
    if invoices.default_payment_method(sub.customer, sub) is None and missing != "create_invoice":
        if missing == "cancel":
            invoices.cancel(sub, "cancellation_requested")
            return
        sub.status = "paused"
        emit_updated(sub, before)
        emit("customer.subscription.paused", sub)
        return
    sub.status = "active"
    emit_updated(sub, before)
    bill(sub, "subscription_cycle")


def renew(sub: Any) -> None:
    before = sub._export()
    plan = sub.items._list[0].plan
    sub._cycle += 1
    sub._period_start = sub._period_end
    sub._period_end = add_interval(sub._anchor, plan, sub._cycle + 1)
    emit_updated(sub, before)
    bill(sub, "subscription_cycle")


def _resume_collection(sub: Any) -> None:
    before = sub._export()
    sub.pause_collection = None
    emit_updated(sub, before)


def _expire(sub: Any) -> None:
    before = sub._export()
    sub.status = "incomplete_expired"
    sub.ended_at = now()
    invoice = store.get("invoice:" + str(sub.latest_invoice))
    if invoice is not None and invoice.status == "open":
        invoices.void(invoice)
    emit_updated(sub, before)


def next_due(target: int) -> tuple[int, Callable[[], Any]] | None:
    """The earliest thing due at or before `target` (the clock runs it, then asks again)."""
    due: list[tuple[int, Callable[[], Any]]] = []
    for key, sub in list(store.items()):
        if not key.startswith("subscription:") or "_period_end" not in vars(sub):
            continue
        if sub.status == "trialing":
            if not sub._trial_will_end_sent:
                due.append((max(sub.trial_end - TRIAL_WILL_END_BEFORE, sub.trial_start), partial(trial_will_end, sub)))
            due.append((sub.trial_end, partial(end_trial, sub)))
        elif sub.status in ("active", "past_due", "unpaid"):
            if sub.cancel_at is not None and sub.cancel_at <= sub._period_end:
                due.append((sub.cancel_at, partial(invoices.cancel, sub, "cancellation_requested")))
            else:
                due.append((sub._period_end, partial(renew, sub)))
            if sub.pause_collection and sub.pause_collection["resumes_at"]:
                due.append((sub.pause_collection["resumes_at"], partial(_resume_collection, sub)))
        elif sub.status == "incomplete":
            due.append((sub.created + INCOMPLETE_EXPIRES_AFTER, partial(_expire, sub)))
    for when, invoice in invoices.retries_due():
        due.append((when, partial(invoices.retry, invoice)))
    ready = [d for d in due if d[0] <= target]
    return min(ready, key=lambda d: d[0]) if ready else None


def resume(id: str, billing_cycle_anchor: Any = None, proration_behavior: Any = None, **kwargs: Any) -> Any:
    unexpected({k: v for k, v in kwargs.items() if k not in IGNORED})
    sub = Subscription._api_retrieve(id)
    if sub.status != "paused":
        raise UserError(400, "Only a paused subscription can be resumed")
    before = sub._export()
    t = now()
    sub._anchor = sub.billing_cycle_anchor = t
    sub._cycle = 0
    sub._period_start, sub._period_end = t, add_interval(t, sub.items._list[0].plan)
    sub.status = "active"
    emit_updated(sub, before)
    emit("customer.subscription.resumed", sub)
    bill(sub, "subscription_cycle")
    return sub
