"""Prices and products on the patched localstripe, as Stripe Billing exposes them."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
import stripe

from tests.integration.conftest import WebhookReceiver
from tests.integration.localstripe_billing_support import (
    AUTH,
    Hooks,
    client,
    customer_with_card,
    hooks_fixture,
    product_and_prices,
    subscribe,
)


@pytest.fixture
def hooks(stripe_api: str, webhook_receiver: Callable[..., WebhookReceiver]) -> Iterator[Hooks]:
    yield from hooks_fixture(stripe_api, webhook_receiver)


def test_create_retrieve_and_list_prices_with_filters(stripe_api: str, hooks: Hooks) -> None:
    api = client(stripe_api).v1
    product, monthly, yearly = product_and_prices(stripe_api)
    other = api.products.create(params={"name": "Other"})
    one_time = api.prices.create(params={"product": other.id, "unit_amount": 500, "currency": "usd"})

    assert monthly.object == "price" and monthly.id.startswith("price_")
    assert monthly.type == "recurring" and one_time.type == "one_time" and one_time.recurring is None
    assert monthly.recurring.interval == "month" and monthly.recurring.interval_count == 1
    assert (monthly.unit_amount, monthly.currency, monthly.product, monthly.active) == (3000, "eur", product.id, True)
    fetched = api.prices.retrieve(yearly.id)
    assert fetched.recurring.interval == "year" and fetched.unit_amount == 30000

    def ids(**params: Any) -> set[str]:
        return {p.id for p in api.prices.list(params=params).data}

    assert ids() == {monthly.id, yearly.id, one_time.id}
    assert ids(product=product.id) == {monthly.id, yearly.id}
    assert ids(currency="usd") == {one_time.id}
    assert ids(type="one_time") == {one_time.id}
    assert ids(lookup_keys=["ai_monthly"]) == {monthly.id}
    assert [p.id for p in api.prices.list(params={"limit": 1}).data] == [one_time.id]  # newest first

    api.prices.update(yearly.id, params={"active": False})
    assert ids(active=True, product=product.id) == {monthly.id}
    assert ids(active=False) == {yearly.id}
    # A recurring price is also a plan, as on Stripe.
    assert api.plans.retrieve(monthly.id).amount == 3000

    hooks.wait("price.created", "price.created", "price.created", "price.updated")
    updated = hooks.last("price.updated")
    assert updated["data"]["object"]["id"] == yearly.id
    assert updated["data"]["previous_attributes"] == {"active": True}


def test_price_update_merges_metadata_and_nickname(stripe_api: str, hooks: Hooks) -> None:
    api = client(stripe_api).v1
    _, monthly, _ = product_and_prices(stripe_api)
    api.prices.update(monthly.id, params={"metadata": {"tier": "pro", "x": "1"}, "nickname": "Pro monthly"})
    price = api.prices.update(monthly.id, params={"metadata": {"x": ""}})
    assert price.metadata.to_dict() == {"tier": "pro"}
    assert price.nickname == "Pro monthly"
    event = hooks.wait("price.updated", "price.updated")[-1]
    assert event["data"]["previous_attributes"] == {"metadata": {"tier": "pro", "x": "1"}}


def test_lookup_keys_are_unique_unless_transferred(stripe_api: str) -> None:
    api = client(stripe_api).v1
    product, monthly, _ = product_and_prices(stripe_api)
    params: dict[str, Any] = {
        "product": product.id,
        "unit_amount": 3500,
        "currency": "eur",
        "recurring": {"interval": "month"},
        "lookup_key": "ai_monthly",
    }
    with pytest.raises(stripe.InvalidRequestError):
        api.prices.create(params=params)
    moved = api.prices.create(params={**params, "transfer_lookup_key": True})
    assert [p.id for p in api.prices.list(params={"lookup_keys": ["ai_monthly"]}).data] == [moved.id]
    assert api.prices.retrieve(monthly.id).lookup_key is None


def test_unknown_params_and_missing_objects_are_refused(stripe_api: str) -> None:
    api = client(stripe_api).v1
    product, _, _ = product_and_prices(stripe_api)
    bad = requests.post(
        f"{stripe_api}/v1/prices",
        data={"product": product.id, "unit_amount": 1, "currency": "eur", "colour": "red"},
        auth=AUTH,
        timeout=5,
    )
    assert bad.status_code == 400 and "colour" in bad.json()["error"]["message"]
    with pytest.raises(stripe.InvalidRequestError):
        api.prices.create(params={"product": "prod_missing", "unit_amount": 1, "currency": "eur"})
    with pytest.raises(stripe.InvalidRequestError):
        api.prices.retrieve("price_missing")


def test_products_take_metadata_and_can_be_archived(stripe_api: str, hooks: Hooks) -> None:
    api = client(stripe_api).v1
    product = api.products.create(params={"name": "AI", "active": True, "metadata": {"a": "1"}})
    archived = api.products.update(product.id, params={"active": False, "metadata": {"b": "2"}})
    assert archived.active is False and archived.metadata.to_dict() == {"a": "1", "b": "2"}
    assert [p.id for p in api.products.list(params={"active": False}).data] == [product.id]
    event = hooks.wait("product.created", "product.updated")[-1]
    assert event["data"]["previous_attributes"]["active"] is True


def test_archived_price_cannot_start_a_subscription(stripe_api: str) -> None:
    api = client(stripe_api).v1
    _, monthly, _ = product_and_prices(stripe_api)
    customer, method = customer_with_card(stripe_api)
    api.prices.update(monthly.id, params={"active": False})
    with pytest.raises(stripe.InvalidRequestError, match="inactive"):
        subscribe(stripe_api, customer, monthly, method)
