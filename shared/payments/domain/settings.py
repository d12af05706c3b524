"""`settings/payments`."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared.kernel.rate_limit import RateLimit
from shared.kernel.settings import SettingsDocument


class RateLimitSetting(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    max_requests: int = Field(default=5, ge=1, alias="maxRequests")
    window_seconds: int = Field(default=600, ge=1, alias="windowSeconds")

    def as_rule(self) -> RateLimit:
        return RateLimit(self.max_requests, self.window_seconds)


class PaymentSettings(SettingsDocument):
    """The shape of `settings/payments`."""

    PATH: ClassVar[str] = "settings/payments"

    create_payment_intent_rate_limit: RateLimitSetting = Field(
        default_factory=RateLimitSetting, alias="createPaymentIntentRateLimit"
    )
    # Failed deliveries of one webhook event before it is copied to dead_letter_events.
    webhook_max_attempts: int = Field(default=5, ge=1, alias="webhookMaxAttempts")
