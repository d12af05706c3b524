"""Call prices: defaults, the `settings/pricing` document, provider overrides, quotes."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from shared.kernel.errors import FailedPrecondition, InvalidArgument
from shared.kernel.money import Currency, Money

MINIMUM_CHARGEABLE_MINOR = 50


class ServiceType(StrEnum):
    LAWYER_CALL = "lawyer_call"
    EXPAT_CALL = "expat_call"

    @classmethod
    def parse(cls, raw: object, field: str = "serviceType") -> ServiceType:
        try:
            return cls(raw if isinstance(raw, str) else "")
        except ValueError:
            raise InvalidArgument(field, "must be 'lawyer_call' or 'expat_call'") from None

    @classmethod
    def for_provider_type(cls, provider_type: str) -> ServiceType | None:
        return {"lawyer": cls.LAWYER_CALL, "expat": cls.EXPAT_CALL}.get(provider_type)


ServiceTypeField = Annotated[
    ServiceType, BeforeValidator(lambda value, info: ServiceType.parse(value, info.field_name))
]
"""A `serviceType` in a command: 'lawyer_call' or 'expat_call'."""


class PriceEntry(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    amount: int = Field(ge=0)
    platform_fee: int = Field(ge=0, alias="platformFee")


class ServicePricing(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    duration_minutes: int = Field(gt=0, alias="durationMinutes")
    eur: PriceEntry
    usd: PriceEntry

    def entry(self, currency: Currency) -> PriceEntry:
        return self.eur if currency is Currency.EUR else self.usd


class PricingTable(BaseModel):
    """The shape of `settings/pricing`: minor units per service type and currency."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    lawyer_call: ServicePricing
    expat_call: ServicePricing
    minimum_chargeable: int = Field(default=MINIMUM_CHARGEABLE_MINOR, ge=1, alias="minimumChargeable")

    @model_validator(mode="after")
    def _fees_within_prices(self) -> PricingTable:
        for name, service in (("lawyer_call", self.lawyer_call), ("expat_call", self.expat_call)):
            for currency, entry in (("eur", service.eur), ("usd", service.usd)):
                if entry.platform_fee > entry.amount:
                    raise ValueError(f"{name}.{currency}.platformFee: cannot be more than its amount")
        return self

    @classmethod
    def from_document(cls, doc: dict[str, Any] | None) -> PricingTable:
        if not doc:
            return DEFAULT_PRICING
        try:
            return cls.model_validate(doc)
        except ValidationError as exc:
            raise FailedPrecondition(f"settings/pricing is malformed: {exc.errors()[0]['loc']}") from None

    def to_document(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True)

    def service(self, service_type: ServiceType) -> ServicePricing:
        return self.lawyer_call if service_type is ServiceType.LAWYER_CALL else self.expat_call


DEFAULT_PRICING = PricingTable.model_validate(
    {
        "lawyer_call": {
            "durationMinutes": 20,
            "eur": {"amount": 4900, "platformFee": 1900},
            "usd": {"amount": 5500, "platformFee": 2000},
        },
        "expat_call": {
            "durationMinutes": 30,
            "eur": {"amount": 1900, "platformFee": 900},
            "usd": {"amount": 2500, "platformFee": 1000},
        },
        "minimumChargeable": MINIMUM_CHARGEABLE_MINOR,
    }
)


@dataclass(frozen=True)
class Quote:
    """What the client pays, what the platform keeps and what the provider earns."""

    service_type: ServiceType
    total: Money
    platform_fee: Money
    duration_minutes: int

    @property
    def provider_amount(self) -> Money:
        return self.total - self.platform_fee


def quote(
    table: PricingTable,
    service_type: ServiceType,
    currency: Currency,
    provider_overrides: dict[str, Any] | None = None,
) -> Quote:
    """Price a call; a provider override (`priceOverrides.<service>.<currency>`) wins."""
    service = table.service(service_type)
    entry = service.entry(currency)
    override = ((provider_overrides or {}).get(service_type.value) or {}).get(currency.value)
    if override:
        try:
            entry = PriceEntry.model_validate({"platformFee": entry.platform_fee, **override})
        except ValidationError:
            raise FailedPrecondition("the provider's price override is malformed") from None
    if entry.amount < table.minimum_chargeable:
        raise FailedPrecondition(f"price {Money(entry.amount, currency)} is below the minimum chargeable amount")
    if entry.platform_fee > entry.amount:
        raise FailedPrecondition("platform fee exceeds the price")
    return Quote(
        service_type=service_type,
        total=Money(entry.amount, currency),
        platform_fee=Money(entry.platform_fee, currency),
        duration_minutes=service.duration_minutes,
    )
