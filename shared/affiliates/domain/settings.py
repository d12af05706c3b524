"""`settings/affiliate` (commission rates, hold period, attribution window) and `settings/fx`
(the EUR→USD rate commissions are converted at)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.affiliates.domain.commissions import BASIS_POINTS, Rates
from shared.kernel.errors import InvalidArgument
from shared.kernel.settings import SettingsDocument


class RateSettings(BaseModel):
    """Basis points per level: 500 = 5 %."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    client_level1: int = Field(default=500, ge=0, le=BASIS_POINTS, alias="clientLevel1")
    provider_level1: int = Field(default=500, ge=0, le=BASIS_POINTS, alias="providerLevel1")
    level2: int = Field(default=200, ge=0, le=BASIS_POINTS)
    level3: int = Field(default=100, ge=0, le=BASIS_POINTS)

    def as_rates(self) -> Rates:
        return Rates(self.client_level1, self.provider_level1, self.level2, self.level3)


class AffiliateSettings(SettingsDocument):
    PATH: ClassVar[str] = "settings/affiliate"

    rates: RateSettings = Field(default_factory=RateSettings)
    hold_days: int = Field(default=7, ge=0, le=365, alias="holdDays")
    attribution_days: int = Field(default=365, ge=1, le=3650, alias="attributionDays")
    unlock_threshold: int = Field(default=15_000, ge=0, le=10_000_000, alias="unlockThresholdCents")
    """USD cents of commissions that must have become available before the first withdrawal
    (`commissionUnlocked`; the Telegram bonus unlocks then too)."""


def parse_fx_rate(raw: object, field: str = "eurUsd") -> Decimal:
    """A positive decimal rate given as a string (never a float), at most 6 decimals."""
    if not isinstance(raw, str):
        raise InvalidArgument(field, "must be a decimal string, e.g. '1.0850'")
    try:
        rate = Decimal(raw.strip())
    except InvalidOperation:
        raise InvalidArgument(field, "must be a decimal string, e.g. '1.0850'") from None
    exponent = rate.as_tuple().exponent
    if (
        not rate.is_finite()
        or not Decimal("0.1") <= rate <= Decimal(10)
        or (isinstance(exponent, int) and exponent < -6)
    ):
        raise InvalidArgument(field, "must lie between 0.1 and 10 with at most 6 decimals")
    return rate


class FxSettings(SettingsDocument):
    """USD per EUR. Until an admin sets it (`setAffiliateFxRate`) the default below applies and
    each commission records that it used it (`fxSource: "default"`)."""

    PATH: ClassVar[str] = "settings/fx"
    DEFAULT_EUR_USD: ClassVar[str] = "1.08"

    eur_usd: str | None = Field(default=None, alias="eurUsd")

    @field_validator("eur_usd")
    @classmethod
    def _rate(cls, value: str | None) -> str | None:
        return None if value is None else str(parse_fx_rate(value))

    def usd_per(self, currency: str) -> tuple[Decimal, str]:
        """The rate from `currency` to USD and where it came from."""
        if currency == "usd":
            return Decimal(1), "same_currency"
        if currency != "eur":
            raise ValueError(f"no rate from {currency} to usd")
        return Decimal(self.eur_usd or self.DEFAULT_EUR_USD), "settings" if self.eur_usd else "default"
