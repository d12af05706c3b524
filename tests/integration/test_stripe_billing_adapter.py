"""The Stripe Billing adapter against the local Stripe: catalogue, subscription, and the
re-fetched subscription object the webhook applies."""

import requests

from shared.adapters.stripe_billing import StripeBillingGateway
from shared.domain.money import Currency, Money
from shared.domain.subscription_plans import BillingPeriod
from shared.services.subscription_events import subscription_fields


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
    created = billing.create_subscription(customer, price.id, metadata, "subscription:lawyer1")

    found = billing.subscription_object(created.id)
    assert found is not None and isinstance(found["items"]["data"][0]["price"], dict)
    fields = subscription_fields(found, None)
    assert (fields["billingPeriod"], fields["tier"], fields["currentPeriodAmount"], fields["currency"]) == (
        "yearly",
        "pro",
        66240,
        "EUR",
    )
    assert found["metadata"]["providerId"] == "lawyer1"
    assert billing.subscription_object("sub_does_not_exist") is None
