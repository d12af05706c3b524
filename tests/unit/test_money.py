from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.kernel.errors import InvalidArgument
from shared.kernel.money import Currency, Money, parse_major_units


@pytest.mark.parametrize(
    ("raw", "minor"),
    [(49, 4900), (49.5, 4950), ("49.00", 4900), ("0.50", 50), (0, 0), ("  12.3 ", 1230), (19.99, 1999)],
)
def test_parses_major_units(raw: object, minor: int) -> None:
    assert parse_major_units(raw, "amount") == minor


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (float("nan"), "finite"),
        (float("inf"), "finite"),
        ("NaN", "finite"),
        ("-Infinity", "finite"),
        (-1, "negative"),
        ("-0.01", "negative"),
        (49.123, "2 decimals"),
        ("49.001", "2 decimals"),
        (True, "number"),
        (None, "number"),
        ([49], "number"),
        ("forty", "not a number"),
        (10**12, "absurdly large"),
    ],
)
def test_rejects_bad_amounts_naming_the_field(raw: object, reason: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        parse_major_units(raw, "amount")
    assert err.value.field == "amount"
    assert reason in err.value.message


@given(st.integers(min_value=0, max_value=10**11))
def test_minor_units_round_trip_through_their_major_string(minor: int) -> None:
    money = Money(minor, Currency.EUR)
    assert parse_major_units(money.major_str(), "amount") == minor
    assert Decimal(money.major_str()) * 100 == minor


def test_money_refuses_mixed_currencies_and_floats() -> None:
    with pytest.raises(ValueError):
        Money(100, Currency.EUR) + Money(100, Currency.USD)
    with pytest.raises(TypeError):
        Money(1.5, Currency.EUR)  # type: ignore[arg-type]
    assert Money(4900, Currency.EUR) - Money(1900, Currency.EUR) == Money(3000, Currency.EUR)
    assert str(Money(4950, Currency.USD)) == "49.50 USD"


def test_currency_parse_is_case_insensitive_and_strict() -> None:
    assert Currency.parse("EUR") is Currency.EUR
    with pytest.raises(InvalidArgument):
        Currency.parse("gbp")
    with pytest.raises(InvalidArgument):
        Currency.parse(1)


@pytest.mark.parametrize(
    "raw", ["1e999999999", "-1e999999999", "1e-999999999", "1E+10", "9" * 400, "0.1e-3", 10**400, 1e300]
)
def test_extreme_magnitudes_are_refused_before_any_arithmetic(raw: object) -> None:
    with pytest.raises(InvalidArgument) as raised:
        parse_major_units(raw, "amount")
    assert raised.value.field == "amount"


@given(st.text(max_size=40) | st.floats() | st.integers())
def test_any_input_is_an_amount_or_a_clear_error(raw: object) -> None:
    try:
        minor = parse_major_units(raw, "amount")
    except InvalidArgument as exc:
        assert exc.field == "amount"
    else:
        assert isinstance(minor, int) and 0 <= minor <= 10**11
