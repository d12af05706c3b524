"""Money in integer minor units with its currency beside it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from shared.kernel.errors import InvalidArgument


class Currency(StrEnum):
    EUR = "eur"
    USD = "usd"

    @classmethod
    def parse(cls, raw: object, field: str = "currency") -> Currency:
        if not isinstance(raw, str):
            raise InvalidArgument(field, "must be a string: 'eur' or 'usd'")
        try:
            return cls(raw.strip().lower())
        except ValueError:
            raise InvalidArgument(field, f"unsupported currency {raw!r}; use 'eur' or 'usd'") from None


MINOR_UNITS_PER_MAJOR = 100
MAX_MAJOR_UNITS = Decimal(10) ** 9
MAX_AMOUNT_TEXT = 32
CENT = Decimal("0.01")


@dataclass(frozen=True, order=True)
class Money:
    """An amount in minor units (cents). Arithmetic only between equal currencies."""

    minor: int
    currency: Currency

    def __post_init__(self) -> None:
        if isinstance(self.minor, bool) or not isinstance(self.minor, int):
            raise TypeError("Money.minor must be an int of minor units")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.minor - other.minor, self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency is not self.currency:
            raise ValueError(f"currency mismatch: {self.currency.value} vs {other.currency.value}")

    def major_str(self) -> str:
        sign = "-" if self.minor < 0 else ""
        whole, cents = divmod(abs(self.minor), MINOR_UNITS_PER_MAJOR)
        return f"{sign}{whole}.{cents:02d}"

    def __str__(self) -> str:
        return f"{self.major_str()} {self.currency.value.upper()}"


def parse_major_units(raw: object, field: str) -> int:
    """Parse a major-unit amount (49, 49.5, "49.00") into minor units.

    Rejects booleans, NaN, infinities, negatives and more than two decimals.
    """
    if isinstance(raw, bool) or raw is None:
        raise InvalidArgument(field, "must be a number in major units, e.g. 49.00")
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise InvalidArgument(field, "must be a finite number")
        value = Decimal(repr(raw))
    elif isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, str):
        if len(raw) > MAX_AMOUNT_TEXT:
            raise InvalidArgument(field, "is too long to be an amount")
        try:
            value = Decimal(raw.strip())
        except InvalidOperation:
            raise InvalidArgument(field, f"{raw!r} is not a number") from None
        if not value.is_finite():
            raise InvalidArgument(field, "must be a finite number")
    else:
        raise InvalidArgument(field, "must be a number in major units, e.g. 49.00")
    if value < 0:
        raise InvalidArgument(field, "must not be negative")
    # Bounded before any arithmetic: "1e999999999" would overflow the decimal context.
    if not value.is_zero() and value.adjusted() >= 10:
        raise InvalidArgument(field, "is absurdly large")
    if value > MAX_MAJOR_UNITS:
        raise InvalidArgument(field, "is absurdly large")
    if value != value.quantize(CENT):
        raise InvalidArgument(field, "must have at most 2 decimals")
    return int(value.quantize(CENT) * MINOR_UNITS_PER_MAJOR)
