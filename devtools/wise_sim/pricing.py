"""Fixed local exchange rates and Wise-like fees, so quotes are reproducible.

Rates are mid-market values per 1 EUR (``EUR_RATES``); a cross rate is
``EUR_RATES[target] / EUR_RATES[source]`` rounded to 6 decimals, as Wise shows
rates. The fee is charged in the source currency and included in ``sourceAmount``:
``fee = FIXED_FEES[source] + PERCENT_FEE * sourceAmount`` (no percentage for a
same-currency payout), rounded up to the cent.

* ``sourceAmount`` given: ``targetAmount = (sourceAmount - fee) * rate``, rounded down to cents;
* ``targetAmount`` given: the smallest ``sourceAmount`` (in cents) whose converted part
  ``sourceAmount - fee`` covers ``targetAmount / rate``.

Only two-decimal currencies are priced; any other valid ISO code is an
unsupported route (``error.route.not.supported``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal

EUR_RATES: dict[str, Decimal] = {
    "EUR": Decimal("1"),
    "USD": Decimal("1.08"),
    "GBP": Decimal("0.85"),
    "CHF": Decimal("0.95"),
    "CAD": Decimal("1.47"),
    "AUD": Decimal("1.64"),
    "SEK": Decimal("11.20"),
    "NOK": Decimal("11.50"),
    "DKK": Decimal("7.46"),
    "PLN": Decimal("4.30"),
}
FIXED_FEES: dict[str, Decimal] = {
    "EUR": Decimal("0.40"),
    "USD": Decimal("0.45"),
    "GBP": Decimal("0.35"),
    "CHF": Decimal("0.40"),
    "CAD": Decimal("0.60"),
    "AUD": Decimal("0.65"),
    "SEK": Decimal("4.50"),
    "NOK": Decimal("4.60"),
    "DKK": Decimal("3.00"),
    "PLN": Decimal("1.70"),
}
PERCENT_FEE = Decimal("0.0041")  # of sourceAmount; none when source == target
CENT = Decimal("0.01")
# Well-formed ISO 4217 codes Wise knows but the simulator does not price (a route error, not a format error).
KNOWN_UNPRICED = {"JPY", "INR", "CNY", "BRL", "MXN", "NZD", "SGD", "HKD", "ZAR", "TRY", "HUF", "CZK", "RON"}
_CODE = re.compile(r"^[A-Z]{3}$")


def is_currency_code(value: object) -> bool:
    """A code Wise accepts as ISO 4217 (priced here or not)."""
    return isinstance(value, str) and bool(_CODE.match(value)) and (value in EUR_RATES or value in KNOWN_UNPRICED)


def is_priced(currency: str) -> bool:
    return currency in EUR_RATES


def cross_rate(source: str, target: str) -> Decimal:
    if source == target:
        return Decimal("1")
    return (EUR_RATES[target] / EUR_RATES[source]).quantize(Decimal("0.000001"), ROUND_HALF_EVEN)


@dataclass(frozen=True)
class Price:
    """Amounts of one quote: what leaves the balance, the fee within it, what arrives."""

    rate: Decimal
    source_amount: Decimal
    target_amount: Decimal
    fee: Decimal


def _percent(same_currency: bool) -> Decimal:
    return Decimal("0") if same_currency else PERCENT_FEE


def price(source: str, target: str, source_amount: Decimal | None, target_amount: Decimal | None) -> Price:
    """Price a quote from exactly one of ``source_amount`` or ``target_amount``."""
    rate = cross_rate(source, target)
    percent = _percent(source == target)
    if source_amount is not None:
        source_amount = source_amount.quantize(CENT, ROUND_CEILING)
        fee = min((FIXED_FEES[source] + source_amount * percent).quantize(CENT, ROUND_CEILING), source_amount)
        target_amount = ((source_amount - fee) * rate).quantize(CENT, ROUND_FLOOR)
        return Price(rate, source_amount, target_amount, fee)
    assert target_amount is not None
    target_amount = target_amount.quantize(CENT, ROUND_CEILING)
    converted = (target_amount / rate).quantize(CENT, ROUND_CEILING)
    total = ((converted + FIXED_FEES[source]) / (1 - percent)).quantize(CENT, ROUND_CEILING)
    return Price(rate, total, target_amount, total - converted)
