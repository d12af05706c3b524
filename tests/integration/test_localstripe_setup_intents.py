"""The pending SetupIntent of a trialing subscription (Elements flow with a trial) on the
patched localstripe: the card saved during the trial is charged when the trial ends."""

from collections.abc import Callable, Iterator

import pytest

from tests.integration.conftest import WebhookReceiver
from tests.integration.localstripe_billing_support import Hooks, advance, client, hooks_fixture, now, product_and_prices

DAY = 86400


@pytest.fixture
def hooks(stripe_api: str, webhook_receiver: Callable[..., WebhookReceiver]) -> Iterator[Hooks]:
    yield from hooks_fixture(stripe_api, webhook_receiver)


def _trialing(stripe_api: str, save_default: str = "on_subscription") -> tuple[object, object]:
    api = client(stripe_api).v1
    _, monthly, _ = product_and_prices(stripe_api)
    customer = api.customers.create(params={"email": "trial@example.com"})
    sub = api.subscriptions.create(
        params={
            "customer": customer.id,
            "items": [{"price": monthly.id}],
            "trial_end": now(stripe_api) + 10 * DAY,
            "payment_behavior": "default_incomplete",
            "payment_settings": {"save_default_payment_method": save_default},
        }
    )
    return customer, sub


def test_the_card_saved_during_the_trial_pays_the_first_invoice(stripe_api: str, hooks: Hooks) -> None:
    api = client(stripe_api).v1
    customer, sub = _trialing(stripe_api)
    assert sub.status == "trialing" and sub.default_payment_method is None  # type: ignore[attr-defined]
    intent = api.setup_intents.retrieve(sub.pending_setup_intent)  # type: ignore[attr-defined]
    assert (intent.status, intent.customer, intent.usage) == ("requires_payment_method", customer.id, "off_session")  # type: ignore[attr-defined]

    confirmed = api.setup_intents.confirm(
        intent.id, params={"payment_method": "pm_card_visa", "client_secret": intent.client_secret}
    )
    assert confirmed.status == "succeeded"
    saved = api.subscriptions.retrieve(sub.id)  # type: ignore[attr-defined]
    assert saved.pending_setup_intent is None and saved.default_payment_method == confirmed.payment_method
    assert api.payment_methods.retrieve(confirmed.payment_method).customer == customer.id  # type: ignore[attr-defined]
    updated = hooks.wait("customer.subscription.created", "setup_intent.succeeded", "customer.subscription.updated")
    change = [e for e in updated if e["type"] == "customer.subscription.updated"][-1]["data"]
    assert change["previous_attributes"]["default_payment_method"] is None

    advance(stripe_api, 11 * DAY)
    active = api.subscriptions.retrieve(sub.id)  # type: ignore[attr-defined]
    assert active.status == "active"
    first = api.invoices.retrieve(active.latest_invoice)
    assert (first.status, first.amount_paid) == ("paid", 3000)
    assert "invoice.paid" in hooks.settle()  # delivered before the next test listens


def test_without_a_saved_card_the_trial_ends_unpaid(stripe_api: str, hooks: Hooks) -> None:
    api = client(stripe_api).v1
    _, sub = _trialing(stripe_api)
    advance(stripe_api, 11 * DAY)
    ended = api.subscriptions.retrieve(sub.id)  # type: ignore[attr-defined]
    assert ended.status == "past_due", ended.status  # Stripe's create_invoice end behaviour: unpaid, retried
    assert api.invoices.retrieve(ended.latest_invoice).status == "open"
    assert "invoice.payment_failed" in hooks.settle()


def test_without_save_default_the_card_is_only_attached(stripe_api: str, hooks: Hooks) -> None:
    api = client(stripe_api).v1
    customer, sub = _trialing(stripe_api, save_default="off")
    intent = api.setup_intents.retrieve(sub.pending_setup_intent)  # type: ignore[attr-defined]
    confirmed = api.setup_intents.confirm(intent.id, params={"payment_method": "pm_card_visa"})
    saved = api.subscriptions.retrieve(sub.id)  # type: ignore[attr-defined]
    assert saved.pending_setup_intent is None and saved.default_payment_method is None
    assert api.payment_methods.retrieve(confirmed.payment_method).customer == customer.id  # type: ignore[attr-defined]
    assert "setup_intent.succeeded" in hooks.settle()
