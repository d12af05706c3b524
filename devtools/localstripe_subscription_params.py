"""The parameters of subscription create and update on localstripe, checked as Stripe checks them
(one item, a recurring active price, an attached payment method, a future trial end, settings)."""

from __future__ import annotations

from typing import Any

from localstripe.errors import UserError
from localstripe.resources import PaymentMethod, Plan, store

from devtools.localstripe_billing import Json, as_int, unexpected
from devtools.localstripe_clock import now
from devtools.localstripe_prices import Price

DAY = 86400
PAYMENT_BEHAVIORS = ("allow_incomplete", "default_incomplete", "error_if_incomplete", "pending_if_incomplete")
PRORATION_BEHAVIORS = ("create_prorations", "always_invoice", "none")
IGNORED = ("off_session", "collection_method", "currency", "proration_date", "automatic_tax", "expand")


def resolve_plan(item: Any) -> Any:
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


def one_item(items: Any) -> Json:
    if type(items) is not list or len(items) != 1 or type(items[0]) is not dict:
        raise UserError(400, "Exactly one subscription item is implemented locally", {"param": "items"})
    unexpected({k: v for k, v in items[0].items() if k not in ("id", "price", "plan", "quantity", "metadata")})
    return dict(items[0])


def attached_method(method: Any, customer: str) -> str:
    found = PaymentMethod._api_retrieve(method)
    if found.customer != customer:
        raise UserError(400, f"The customer does not have a payment method with the ID {method}.")
    return str(found.id)


def trial_end_of(trial_end: Any, trial_period_days: Any) -> int | None:
    if trial_end is not None and trial_end != "now":
        end = as_int(trial_end, "trial_end")
        if end <= now():
            raise UserError(400, "trial_end must be in the future", {"param": "trial_end"})
        return end
    if trial_end is None and trial_period_days is not None:
        days = as_int(trial_period_days, "trial_period_days", 0)
        return now() + days * DAY if days else None
    return None


def apply_settings(sub: Any, payment_settings: Any, trial_settings: Any) -> None:
    if isinstance(payment_settings, dict) and payment_settings.get("save_default_payment_method"):
        sub.payment_settings["save_default_payment_method"] = payment_settings["save_default_payment_method"]
    sub._save_default = sub.payment_settings["save_default_payment_method"] == "on_subscription"
    if isinstance(trial_settings, dict):
        behavior = (trial_settings.get("end_behavior") or {}).get("missing_payment_method", "create_invoice")
        if behavior not in ("create_invoice", "pause", "cancel"):
            raise UserError(400, "Invalid trial_settings[end_behavior][missing_payment_method]")
        sub.trial_settings = {"end_behavior": {"missing_payment_method": behavior}}


def set_cancel_at_period_end(sub: Any, flag: bool) -> None:
    sub.cancel_at_period_end = flag
    sub.cancel_at = sub._period_end if flag else None
    sub.canceled_at = now() if flag else None
    sub.cancellation_details["reason"] = "cancellation_requested" if flag else None
