"""Events and nested objects as Stripe renders them at the pinned API version.

localstripe embeds every nested object it holds (a PaymentIntent's `latest_charge`, an invoice's
`charge`, ...) and stamps events with `api_version: 2017-08-15`. Stripe sends an id string for
every expandable field unless the request expanded it, and stamps each event with the API version
it rendered `data` with (the webhook endpoint's, pinned to the SDK's). Which fields are expandable
is read from the pinned stripe library's resource classes (`ExpandableField[...]` annotations), so
the rule holds for every object, including the Billing ones: list-type fields Stripe embeds
(a subscription's `items`, an invoice's `lines`) stay embedded, their expandable fields become ids.

localstripe also renders fields the pinned version removed (a subscription's top-level
`current_period_*`, `plan`, `quantity`; an invoice's `paid`, `date`, taxes; a line's `plan`,
`price`, `type` ...): `REMOVED_AT_PINNED_VERSION` names them by object type, and the rendering
drops them wherever the object appears (API answers, nested objects, events). localstripe keeps
using them internally.

`register()` patches `Event` (envelope: `api_version`, `pending_webhooks`, `request`; `data.object`
and `data.previous_attributes` unexpanded) when it is serialised, for webhooks and `/v1/events`,
and drops the `total_count` localstripe adds to every list (Stripe's lists have none).
"""

from __future__ import annotations

import contextvars
import typing
from typing import Any, ForwardRef

import stripe
from localstripe import webhooks
from localstripe.resources import Event, List
from stripe._api_version import _ApiVersion
from stripe._object_classes import OBJECT_CLASSES, get_object_class

API_VERSION = _ApiVersion.CURRENT
"""The version the installed SDK sends, the one the webhook endpoint is pinned to."""

REMOVED_AT_PINNED_VERSION: dict[str, tuple[str, ...]] = {
    "subscription": ("current_period_start", "current_period_end", "discount", "plan", "quantity", "tax_percent"),
    "subscription_item": ("livemode",),
    "plan": ("name", "statement_descriptor"),
    "invoice": ("application_fee", "date", "discount", "paid", "tax", "tax_percent", "total_tax_amounts"),
    "line_item": (
        "created",
        "invoice_item",
        "plan",
        "price",
        "proration",
        "subscription_item",
        "tax_amounts",
        "tax_rates",
        "type",
    ),
}
"""What localstripe renders that API 2026-10-28 no longer has, by the object's `object`."""

current_request: contextvars.ContextVar[dict[str, str | None] | None] = contextvars.ContextVar(
    "current_request", default=None
)
"""Stripe's `request` of the API call being answered (set by localstripe_idempotency)."""


def resource_class(obj: dict[str, Any]) -> type[stripe.StripeObject] | None:
    """The pinned library's class for an exported object, by its `object` field."""
    name = obj.get("object")
    return get_object_class("V1", name) if isinstance(name, str) and name in OBJECT_CLASSES else None


_field_types: dict[type[Any], dict[str, Any]] = {}


def field_types(cls: type[Any]) -> dict[str, Any]:
    """The fields the pinned library declares on `cls` (its annotations, inherited included)."""
    if cls not in _field_types:
        hints: dict[str, Any] = {}
        for klass in reversed(cls.__mro__):
            hints.update(getattr(klass, "__annotations__", {}))
        hints.pop("OBJECT_NAME", None)
        _field_types[cls] = hints
    return _field_types[cls]


def is_expandable(annotation: Any) -> bool:
    """`ExpandableField[X]` is `Union[str, X]` with X a resource (a forward reference)."""
    args = typing.get_args(annotation)
    return str in args and any(isinstance(arg, ForwardRef) or _stripe_class(arg) for arg in args)


def nested_class(annotation: Any) -> type[Any] | None:
    """The StripeObject class a field holds (a nested class such as `Invoice.Parent`), if any."""
    if _stripe_class(annotation):
        return typing.cast(type[Any], annotation)
    for arg in typing.get_args(annotation):
        found = nested_class(arg)
        if found is not None:
            return found
    return None


def _stripe_class(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, stripe.StripeObject)


def _list_element(annotation: Any) -> Any:
    for arg in (annotation, *typing.get_args(annotation)):
        if typing.get_origin(arg) is list:
            return typing.get_args(arg)[0]
    return None


def unexpanded(value: Any, cls: type[Any] | None = None, keep: tuple[str, ...] = ()) -> Any:
    """`value` with every embedded object in an expandable field replaced by its id, except the
    paths in `keep` (the request's `expand`, dotted as Stripe takes them)."""
    if isinstance(value, list):
        return [unexpanded(item, cls, keep) for item in value]
    if not isinstance(value, dict):
        return value
    if value.get("object") == "list":
        return {**value, "data": [unexpanded(item, None, keep) for item in value.get("data") or []]}
    cls = resource_class(value) or cls
    hints = field_types(cls) if cls is not None else {}
    removed = REMOVED_AT_PINNED_VERSION.get(str(value.get("object")), ())
    result: dict[str, Any] = {}
    for key, item in value.items():
        if key in removed:
            continue
        hint = hints.get(key)
        inner = tuple(path[len(key) + 1 :] for path in keep if path.startswith(key + "."))
        if key in keep or inner:
            result[key] = unexpanded(item, nested_class(hint), inner)
        elif is_expandable(hint):
            result[key] = _id_of(item)
        elif isinstance(item, list) and is_expandable(_list_element(hint)):
            result[key] = [_id_of(element) for element in item]
        else:
            result[key] = unexpanded(item, nested_class(hint))
    return result


def _id_of(value: Any) -> Any:
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return value["id"]
    return value


_original_init = Event.__init__
_original_export = Event._export


def _init(self: Event, type: str, data: Any) -> None:
    _original_init(self, type, data)
    self.api_version = API_VERSION
    self.request = dict(current_request.get() or {"id": None, "idempotency_key": None})
    self.pending_webhooks = sum(1 for hook in webhooks._webhooks.values() if hook.events is None or type in hook.events)


def _export(self: Event, expand: Any = None) -> dict[str, Any]:
    exported: dict[str, Any] = _original_export(self, expand=expand)
    data = dict(exported["data"])
    obj = data.get("object")
    cls = resource_class(obj) if isinstance(obj, dict) else None
    data["object"] = unexpanded(obj)
    if isinstance(data.get("previous_attributes"), dict):
        data["previous_attributes"] = unexpanded(data["previous_attributes"], cls)
    exported["data"] = data
    return exported


_original_list_export = List._export


def _list_export(self: List, expand: Any = None) -> dict[str, Any]:
    """Stripe's lists have no `total_count`."""
    exported: dict[str, Any] = _original_list_export(self, expand=expand)
    exported.pop("total_count", None)
    return exported


def register() -> None:
    Event.__init__ = _init  # type: ignore[method-assign]
    Event._export = _export  # type: ignore[method-assign]
    List._export = _list_export  # type: ignore[method-assign]
