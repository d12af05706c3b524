"""Operational settings read from `settings/payments`, with the defaults in code."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import FailedPrecondition
from .rate_limit import RateLimit


class RateLimitSetting(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    max_requests: int = Field(default=5, ge=1, alias="maxRequests")
    window_seconds: int = Field(default=600, ge=1, alias="windowSeconds")

    def as_rule(self) -> RateLimit:
        return RateLimit(self.max_requests, self.window_seconds)


class PaymentSettings(BaseModel):
    """The shape of `settings/payments`."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    create_payment_intent_rate_limit: RateLimitSetting = Field(
        default_factory=RateLimitSetting, alias="createPaymentIntentRateLimit"
    )
    # Failed deliveries of one webhook event before it is copied to dead_letter_events.
    webhook_max_attempts: int = Field(default=5, ge=1, alias="webhookMaxAttempts")

    @classmethod
    def from_document(cls, doc: dict[str, Any] | None) -> PaymentSettings:
        try:
            return cls.model_validate(doc or {})
        except ValidationError as exc:
            raise FailedPrecondition(f"settings/payments is malformed: {exc.errors()[0]['loc']}") from None

    def to_document(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True)
