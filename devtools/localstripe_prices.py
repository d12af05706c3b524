"""Prices (`/v1/prices`) on localstripe, and product updates that behave like Stripe's.

A recurring Price is mirrored by a localstripe Plan with the same id (Stripe also exposes recurring
prices through the Plans API, and sends `plan.created` too), so localstripe's plan-based
subscriptions and invoices can bill it. `expand[]=data.product` on the list is not implemented.
"""

from __future__ import annotations

from typing import Any

from localstripe.errors import UserError
from localstripe.resources import List, Plan, Product, StripeObject, store

from devtools.localstripe_billing import (
    as_bool,
    as_int,
    as_metadata,
    diff,
    emit,
    merge_metadata,
    set_route,
    unexpected,
)

INTERVALS = ("day", "week", "month", "year")


class Price(StripeObject):  # type: ignore[misc]
    object = "price"
    _id_prefix = "price_"

    def __init__(
        self,
        currency: Any = None,
        product: Any = None,
        product_data: Any = None,
        unit_amount: Any = None,
        unit_amount_decimal: Any = None,
        recurring: Any = None,
        nickname: Any = None,
        lookup_key: Any = None,
        transfer_lookup_key: Any = None,
        metadata: Any = None,
        active: Any = True,
        tax_behavior: Any = None,
        billing_scheme: Any = None,
        **kwargs: Any,
    ) -> None:
        unexpected(kwargs)
        if type(currency) is not str or len(currency) != 3:
            raise UserError(400, "Missing required param: currency.", {"param": "currency"})
        if unit_amount is None and unit_amount_decimal is not None:
            unit_amount = int(float(unit_amount_decimal))
        amount = as_int(unit_amount, "unit_amount", 0)
        if billing_scheme not in (None, "per_unit"):
            raise UserError(400, "Only billing_scheme=per_unit is implemented locally")
        if tax_behavior not in (None, "unspecified", "inclusive", "exclusive"):
            raise UserError(400, "Invalid tax_behavior", {"param": "tax_behavior"})
        if product is None and type(product_data) is dict:
            product = Product(name=product_data.get("name"), metadata=product_data.get("metadata")).id
        if type(product) is not str:
            raise UserError(400, "Missing required param: product.", {"param": "product"})
        Product._api_retrieve(product)  # 404 when unknown
        interval = interval_count = None
        if recurring is not None:
            if type(recurring) is not dict or recurring.get("interval") not in INTERVALS:
                raise UserError(400, "Invalid recurring[interval]", {"param": "recurring[interval]"})
            extra = set(recurring) - {"interval", "interval_count", "usage_type"}
            if extra or recurring.get("usage_type", "licensed") != "licensed":
                raise UserError(400, "Only licensed recurring prices are implemented locally")
            interval = recurring["interval"]
            interval_count = as_int(recurring.get("interval_count", 1), "recurring[interval_count]", 1)
        if nickname is not None and type(nickname) is not str:
            raise UserError(400, "Invalid nickname", {"param": "nickname"})
        _claim_lookup_key(lookup_key, transfer_lookup_key)
        is_active = as_bool(active, "active")

        super().__init__()
        self.active = is_active
        self.billing_scheme = "per_unit"
        self.currency = currency.lower()
        self.custom_unit_amount = None
        self.lookup_key = lookup_key or None
        self.metadata = as_metadata(metadata)
        self.nickname = nickname
        self.product = product
        self.recurring = (
            None
            if interval is None
            else {
                "interval": interval,
                "interval_count": interval_count,
                "usage_type": "licensed",
                "trial_period_days": None,
                "meter": None,
            }
        )
        self.tax_behavior = tax_behavior or "unspecified"
        self.tiers_mode = None
        self.transform_quantity = None
        self.type = "one_time" if interval is None else "recurring"
        self.unit_amount = amount
        self.unit_amount_decimal = str(amount)
        emit("price.created", self)
        if interval is not None:
            Plan(
                id=self.id,
                amount=amount,
                currency=self.currency,
                product=product,
                interval=interval,
                interval_count=interval_count,
                nickname=nickname,
                active=is_active,
            )


def _claim_lookup_key(lookup_key: Any, transfer: Any, owner: Price | None = None) -> None:
    if lookup_key in (None, ""):
        return
    if type(lookup_key) is not str:
        raise UserError(400, "Invalid lookup_key", {"param": "lookup_key"})
    for price in _all_prices():
        if price.lookup_key == lookup_key and price is not owner:
            if transfer is None or not as_bool(transfer, "transfer_lookup_key"):
                raise UserError(
                    400,
                    f"A price (`{price.id}`) already uses that lookup key.",
                    {"code": "lookup_key_exists", "param": "lookup_key"},
                )
            before = price._export()
            price.lookup_key = None
            emit("price.updated", price, diff(before, price._export()))


def _all_prices() -> list[Price]:
    return [value for key, value in store.items() if key.startswith("price:")]


def price_for_plan(plan: Any) -> Price | None:
    found = store.get("price:" + plan.id)
    return found if isinstance(found, Price) else None


def _create(**data: Any) -> Price:
    return Price(**data)


def _retrieve(id: str, **kwargs: Any) -> Price:
    unexpected(kwargs)
    return Price._api_retrieve(id)  # type: ignore[no-any-return]


def _update(
    id: str,
    active: Any = None,
    metadata: Any = None,
    nickname: Any = None,
    lookup_key: Any = None,
    transfer_lookup_key: Any = None,
    tax_behavior: Any = None,
    **kwargs: Any,
) -> Price:
    unexpected(kwargs)
    price: Price = Price._api_retrieve(id)
    before = price._export()
    if active is not None:
        price.active = as_bool(active, "active")
    if metadata is not None:
        price.metadata = merge_metadata(price.metadata, metadata)
    if nickname is not None:
        price.nickname = nickname or None
    if lookup_key is not None:
        _claim_lookup_key(lookup_key, transfer_lookup_key, owner=price)
        price.lookup_key = lookup_key or None
    if tax_behavior is not None:
        price.tax_behavior = tax_behavior
    plan = store.get("plan:" + price.id)
    if plan is not None:
        plan.active, plan.nickname, plan.metadata = price.active, price.nickname, dict(price.metadata)
    changes = diff(before, price._export())
    if changes:
        emit("price.updated", price, changes)
    return price


def _list(
    limit: Any = None,
    starting_after: Any = None,
    ending_before: Any = None,
    product: Any = None,
    active: Any = None,
    currency: Any = None,
    lookup_keys: Any = None,
    type: Any = None,
    recurring: Any = None,
    created: Any = None,
    **kwargs: Any,
) -> Any:
    unexpected(kwargs)
    prices = list(reversed(_all_prices()))
    prices.sort(key=lambda p: p.created, reverse=True)  # newest first, as Stripe lists
    if product is not None:
        prices = [p for p in prices if p.product == product]
    if active is not None:
        flag = as_bool(active, "active")
        prices = [p for p in prices if p.active == flag]
    if currency is not None:
        prices = [p for p in prices if p.currency == str(currency).lower()]
    if lookup_keys is not None:
        keys = lookup_keys if isinstance(lookup_keys, list) else [lookup_keys]
        prices = [p for p in prices if p.lookup_key in keys]
    if type is not None:
        prices = [p for p in prices if p.type == type]
    if isinstance(recurring, dict) and recurring.get("interval"):
        prices = [p for p in prices if p.recurring and p.recurring["interval"] == recurring["interval"]]
    result = List("/v1/prices", limit=limit, starting_after=starting_after)
    result._list = prices
    return result


def _product_update(cls: type, /, id: str, **data: Any) -> Any:
    product = Product._api_retrieve(id)
    before = product._export()
    if "active" in data:
        data["active"] = as_bool(data["active"], "active")
    if "metadata" in data:
        product.metadata = merge_metadata(product.metadata, data.pop("metadata"))
    for key in data:
        if key.startswith("_") or not hasattr(product, key) or key in ("id", "object", "created", "livemode"):
            raise UserError(400, f"Received unknown parameter: {key}", {"param": key})
    for key, value in data.items():
        setattr(product, key, value)
    changes = diff(before, product._export())
    if changes:
        emit("product.updated", product, changes)
    return product


def register() -> None:
    Product._api_update = classmethod(_product_update)
    set_route("POST", "/v1/prices", _create)
    set_route("GET", "/v1/prices", _list)
    set_route("GET", "/v1/prices/{id}", _retrieve)
    set_route("POST", "/v1/prices/{id}", _update)
