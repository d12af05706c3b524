"""The Stripe Billing adapter against the local Stripe: catalogue, subscription, and the
re-fetched subscription object the webhook applies."""

import requests

from shared.kernel.money import Currency, Money
from shared.subscriptions.adapters.stripe_billing import StripeBillingGateway
from shared.subscriptions.domain.plans import BillingPeriod
from shared.subscriptions.domain.subscription import Subscription
from shared.subscriptions.ports.billing import SubscriptionRequest
from shared.subscriptions.services.events import subscription_fields


def test_a_subscription_re_fetched_as_a_webhook_object(stripe_api: str) -> None:
    billing = StripeBillingGateway("sk_test_it", api_base=stripe_api)
    product = billing.ensure_product("lawyer_pro", "Lawyer Pro")
    price = billing.create_price(product, Money(66240, Currency.EUR), BillingPeriod.YEARLY, "price:lawyer_pro:eur:y")
    customer = billing.create_customer("lawyer1", "lawyer1@test.example", "customer:lawyer1")
    requests.post(
        f"{stripe_api}/_test/customers/{customer}/card",
        data={"payment_method": "pm_card_visa"},
        auth=("sk_test_it", ""),
    ).raise_for_status()
    metadata = {"providerId": "lawyer1", "planId": "lawyer_pro", "providerType": "lawyer"}
    created = billing.create_subscription(SubscriptionRequest(customer, price.id, metadata, "subscription:lawyer1"))

    found = billing.subscription_object(created.id)
    assert found is not None and isinstance(found["items"]["data"][0]["price"], dict)
    fields = subscription_fields(found, Subscription("lawyer1"))
    assert (fields["billingPeriod"], fields["tier"], fields["currentPeriodAmount"], fields["currency"]) == (
        "yearly",
        "pro",
        66240,
        "EUR",
    )
    assert found["metadata"]["providerId"] == "lawyer1"
    assert billing.subscription_object("sub_does_not_exist") is None


def test_a_plan_change_reports_what_stripe_invoiced_at_once(stripe_api: str) -> None:
    billing = StripeBillingGateway("sk_test_it", api_base=stripe_api)
    product = billing.ensure_product("lawyer_basic", "Lawyer Basic")
    monthly = billing.create_price(product, Money(1400, Currency.EUR), BillingPeriod.MONTHLY, "price:b:eur:m")
    richer = billing.create_price(product, Money(3900, Currency.EUR), BillingPeriod.MONTHLY, "price:s:eur:m")
    yearly = billing.create_price(product, Money(66240, Currency.EUR), BillingPeriod.YEARLY, "price:p:eur:y")
    customer = billing.create_customer("lawyer2", "lawyer2@test.example", "customer:lawyer2")
    created = billing.create_subscription(
        SubscriptionRequest(customer, monthly.id, {"providerId": "lawyer2"}, "subscription:lawyer2")
    )
    assert created.client_secret is not None  # the provider pays the first invoice with Elements
    # Its confirmation secret and PaymentIntent (the invoice's `payments`): no `payment_intent`.
    assert created.payment_intent_id and created.client_secret.startswith(created.payment_intent_id + "_secret_")
    assert billing.incomplete_subscriptions(customer) == [created.id]
    paid = requests.post(
        f"{stripe_api}/v1/payment_intents/{created.payment_intent_id}/confirm",
        data={"payment_method": "pm_card_visa", "client_secret": created.client_secret},
        auth=("sk_test_it", ""),
    )
    assert paid.status_code == 200, paid.text
    requests.post(f"{stripe_api}/_test/clock/advance", json={"seconds": 10 * 86400}, auth=("sk_test_it", ""))

    # Same interval: the prorations wait for the next renewal invoice, nothing is charged now.
    same = billing.change_price(billing.retrieve_subscription(created.id), richer.id, {}, "change:1")
    assert same.subscription.price.id == richer.id and same.invoiced_now == Money(0, Currency.EUR)

    # Month -> year: Stripe invoices at once, the yearly price less the unused part of the month.
    to_year = billing.change_price(billing.retrieve_subscription(created.id), yearly.id, {}, "change:2")
    invoice = requests.get(
        f"{stripe_api}/v1/invoices/{to_year.subscription.latest_invoice_id}", auth=("sk_test_it", "")
    ).json()
    assert invoice["billing_reason"] == "subscription_update"
    assert to_year.invoiced_now == Money(invoice["amount_due"], Currency.EUR)
    assert 0 < to_year.invoiced_now.minor < 66240
    assert any(
        line["amount"] < 0 and line["parent"]["invoice_item_details"]["proration"] for line in invoice["lines"]["data"]
    )


def test_a_subscription_with_a_trial_gives_the_setup_intent_to_confirm(stripe_api: str) -> None:
    from datetime import UTC, datetime, timedelta

    billing = StripeBillingGateway("sk_test_it", api_base=stripe_api)
    product = billing.ensure_product("expat_aidant_basic", "Expat Basic")
    monthly = billing.create_price(product, Money(900, Currency.EUR), BillingPeriod.MONTHLY, "price:eb:eur:m")
    customer = billing.create_customer("expat3", None, "customer:expat3")
    clock = requests.get(f"{stripe_api}/_test/clock", auth=("sk_test_it", "")).json()["now"]
    trial_end = datetime.fromtimestamp(clock, UTC) + timedelta(days=10)
    created = billing.create_subscription(
        SubscriptionRequest(customer, monthly.id, {"providerId": "expat3"}, "sub:expat3", trial_end)
    )
    assert (created.status, created.client_secret) == ("trialing", None)
    assert created.setup_client_secret is not None and created.setup_client_secret.startswith("seti_")
    found = billing.subscription_object(created.id)
    assert found is not None and found["trial_end"] == int(trial_end.timestamp())
    assert found["trial_settings"]["end_behavior"]["missing_payment_method"] == "cancel"
    assert found["payment_settings"]["save_default_payment_method"] == "on_subscription"


def test_a_stale_incomplete_subscription_is_cancelled(stripe_api: str) -> None:
    billing = StripeBillingGateway("sk_test_it", api_base=stripe_api)
    product = billing.ensure_product("lawyer_pro", "Lawyer Pro")
    monthly = billing.create_price(product, Money(6900, Currency.EUR), BillingPeriod.MONTHLY, "price:p:eur:m2")
    customer = billing.create_customer("lawyer3", None, "customer:lawyer3")
    abandoned = billing.create_subscription(
        SubscriptionRequest(customer, monthly.id, {"providerId": "lawyer3"}, "subscription:l3:p1")
    )
    assert billing.cancel_subscription(abandoned.id, f"cancel-incomplete:{abandoned.id}").status == "canceled"
    assert billing.incomplete_subscriptions(customer) == []
