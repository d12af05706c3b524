"""AI-assistant subscription plans (SPEC §3.2): prices in minor units, tiers, AI call quotas."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from shared.kernel.errors import InvalidArgument
from shared.kernel.money import Currency, Money

ANNUAL_DISCOUNT_PERCENT = 20
FAIR_USE_CALLS = 500  # what "unlimited" means per billing period


class ProviderType(StrEnum):
    LAWYER = "lawyer"
    EXPAT_AIDANT = "expat_aidant"

    @classmethod
    def of_profile(cls, profile_type: object) -> ProviderType | None:
        return {"lawyer": cls.LAWYER, "expat": cls.EXPAT_AIDANT, "expat_aidant": cls.EXPAT_AIDANT}.get(
            str(profile_type)
        )


class Tier(StrEnum):
    TRIAL = "trial"
    BASIC = "basic"
    STANDARD = "standard"
    PRO = "pro"
    UNLIMITED = "unlimited"


class BillingPeriod(StrEnum):
    MONTHLY = "monthly"
    YEARLY = "yearly"

    @classmethod
    def parse(cls, raw: object, field: str = "billingPeriod") -> BillingPeriod:
        if raw is None:
            raise InvalidArgument(field, "is required: 'monthly' or 'yearly'")
        try:
            return cls(raw if isinstance(raw, str) else "")
        except ValueError:
            raise InvalidArgument(field, "must be 'monthly' or 'yearly'") from None

    @classmethod
    def of_interval(cls, interval: object) -> BillingPeriod:
        """Stripe's `price.recurring.interval` is the truth for the billing period."""
        if interval == "year":
            return cls.YEARLY
        if interval == "month":
            return cls.MONTHLY
        raise ValueError(f"unsupported recurring interval {interval!r}")

    @property
    def interval(self) -> str:
        return "year" if self is BillingPeriod.YEARLY else "month"


def annual_minor(monthly_minor: int) -> int:
    """monthly * 12 * (100 - 20) %, exact in integer cents (all plan prices divide evenly)."""
    total = monthly_minor * 12 * (100 - ANNUAL_DISCOUNT_PERCENT)
    if total % 100:
        raise ValueError("annual price is not a whole number of cents")
    return total // 100


@dataclass(frozen=True)
class Plan:
    plan_id: str
    provider_type: ProviderType
    tier: Tier
    monthly_eur: int
    monthly_usd: int
    ai_calls: int | None  # None: unlimited (fair use)

    def price(self, currency: Currency, period: BillingPeriod) -> Money:
        monthly = self.monthly_eur if currency is Currency.EUR else self.monthly_usd
        return Money(monthly if period is BillingPeriod.MONTHLY else annual_minor(monthly), currency)

    @property
    def ai_calls_limit(self) -> int:
        """Calls allowed per billing period (the fair-use cap for unlimited plans)."""
        return FAIR_USE_CALLS if self.ai_calls is None else self.ai_calls

    def to_document(self) -> dict[str, Any]:
        return {
            "planId": self.plan_id,
            "providerType": self.provider_type.value,
            "tier": self.tier.value,
            "pricing": {
                "EUR": {"monthly": self.monthly_eur, "yearly": annual_minor(self.monthly_eur)},
                "USD": {"monthly": self.monthly_usd, "yearly": annual_minor(self.monthly_usd)},
            },
            "aiCallsLimit": -1 if self.ai_calls is None else self.ai_calls,
            "fairUseLimit": FAIR_USE_CALLS,
            "isActive": True,
        }


def _plan(plan_id: str, tier: Tier, eur: int, usd: int, calls: int | None) -> Plan:
    kind = ProviderType.LAWYER if plan_id.startswith("lawyer_") else ProviderType.EXPAT_AIDANT
    return Plan(plan_id, kind, tier, eur * 100, usd * 100, calls)


PLANS: dict[str, Plan] = {
    p.plan_id: p
    for p in (
        _plan("lawyer_basic", Tier.BASIC, 14, 19, 5),
        _plan("lawyer_standard", Tier.STANDARD, 39, 49, 15),
        _plan("lawyer_pro", Tier.PRO, 69, 79, 30),
        _plan("lawyer_unlimited", Tier.UNLIMITED, 119, 139, None),
        _plan("expat_aidant_basic", Tier.BASIC, 9, 9, 5),
        _plan("expat_aidant_standard", Tier.STANDARD, 14, 17, 15),
        _plan("expat_aidant_pro", Tier.PRO, 24, 29, 30),
        _plan("expat_aidant_unlimited", Tier.UNLIMITED, 39, 49, None),
    )
}


def plan(plan_id: object, field: str = "planId") -> Plan:
    if not isinstance(plan_id, str) or plan_id not in PLANS:
        raise InvalidArgument(field, f"unknown plan; one of {', '.join(PLANS)}")
    return PLANS[plan_id]
