import pytest

from shared.kernel.errors import FailedPrecondition
from shared.kernel.money import Currency, Money
from shared.payments.domain.pricing import DEFAULT_PRICING, PricingTable, ServiceType, quote


@pytest.mark.parametrize(
    ("service", "currency", "total", "fee", "minutes"),
    [
        (ServiceType.LAWYER_CALL, Currency.EUR, 4900, 1900, 20),
        (ServiceType.LAWYER_CALL, Currency.USD, 5500, 2000, 20),
        (ServiceType.EXPAT_CALL, Currency.EUR, 1900, 900, 30),
        (ServiceType.EXPAT_CALL, Currency.USD, 2500, 1000, 30),
    ],
)
def test_default_prices(service: ServiceType, currency: Currency, total: int, fee: int, minutes: int) -> None:
    q = quote(DEFAULT_PRICING, service, currency)
    assert q.total == Money(total, currency)
    assert q.platform_fee == Money(fee, currency)
    assert q.provider_amount == Money(total - fee, currency)
    assert q.duration_minutes == minutes


def test_settings_document_round_trips_and_missing_document_means_defaults() -> None:
    assert PricingTable.from_document(DEFAULT_PRICING.to_document()) == DEFAULT_PRICING
    assert PricingTable.from_document(None) == DEFAULT_PRICING
    doc = DEFAULT_PRICING.to_document()
    assert doc["lawyer_call"]["eur"] == {"amount": 4900, "platformFee": 1900}
    assert doc["minimumChargeable"] == 50


def test_malformed_settings_are_a_failed_precondition() -> None:
    doc = DEFAULT_PRICING.to_document()
    doc["lawyer_call"]["eur"]["amount"] = -5
    with pytest.raises(FailedPrecondition):
        PricingTable.from_document(doc)


def test_provider_override_wins_and_keeps_default_fee() -> None:
    q = quote(DEFAULT_PRICING, ServiceType.LAWYER_CALL, Currency.EUR, {"lawyer_call": {"eur": {"amount": 6900}}})
    assert q.total == Money(6900, Currency.EUR)
    assert q.platform_fee == Money(1900, Currency.EUR)
    usd = quote(DEFAULT_PRICING, ServiceType.LAWYER_CALL, Currency.USD, {"lawyer_call": {"eur": {"amount": 6900}}})
    assert usd.total == Money(5500, Currency.USD)


def test_price_below_minimum_or_fee_above_price_is_refused() -> None:
    with pytest.raises(FailedPrecondition, match="minimum"):
        quote(DEFAULT_PRICING, ServiceType.EXPAT_CALL, Currency.EUR, {"expat_call": {"eur": {"amount": 49}}})
    with pytest.raises(FailedPrecondition, match="fee"):
        quote(
            DEFAULT_PRICING,
            ServiceType.EXPAT_CALL,
            Currency.EUR,
            {"expat_call": {"eur": {"amount": 500, "platformFee": 600}}},
        )
    with pytest.raises(FailedPrecondition, match="malformed"):
        quote(DEFAULT_PRICING, ServiceType.EXPAT_CALL, Currency.EUR, {"expat_call": {"eur": {"amount": "x"}}})
