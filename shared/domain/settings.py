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


class CallSettings(BaseModel):
    """The shape of `settings/calls`."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    schedule_delay_seconds: int = Field(default=300, ge=0, le=3600, alias="scheduleDelaySeconds")
    max_attempts_per_party: int = Field(default=3, ge=1, le=5, alias="maxAttemptsPerParty")
    backoff_base_seconds: int = Field(default=15, ge=0, alias="backoffBaseSeconds")
    ring_timeout_seconds: int = Field(default=30, ge=5, le=120, alias="ringTimeoutSeconds")
    min_billable_seconds: int = Field(default=60, ge=0, alias="minBillableSeconds")
    missed_calls_before_offline: int = Field(default=3, ge=1, alias="missedCallsBeforeOffline")
    breaker_failure_threshold: int = Field(default=3, ge=1, alias="breakerFailureThreshold")
    breaker_open_seconds: int = Field(default=60, ge=1, alias="breakerOpenSeconds")
    # Twilio never retries a callback: a conference whose end is known but an event before it is
    # still missing this long after is settled anyway (Twilio's call records fill the gap).
    conference_gap_grace_seconds: int = Field(default=20, ge=0, le=600, alias="conferenceGapGraceSeconds")

    @classmethod
    def from_document(cls, doc: dict[str, Any] | None) -> CallSettings:
        try:
            return cls.model_validate(doc or {})
        except ValidationError as exc:
            raise FailedPrecondition(f"settings/calls is malformed: {exc.errors()[0]['loc']}") from None

    def to_document(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True)


class RecoverySettings(BaseModel):
    """The shape of `settings/payments_recovery`: when a hold or a session counts as stuck."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    # An authorized hold with no call session this long after its authorization is released.
    orphan_hold_minutes: int = Field(default=30, ge=1, alias="orphanHoldMinutes")
    # A session still not terminal this long after its creation is failed (or flagged when active).
    stuck_session_minutes: int = Field(default=120, ge=1, alias="stuckSessionMinutes")
    # A hold whose card authorization expires within this margin is settled before it lapses.
    capture_before_margin_hours: int = Field(default=24, ge=0, alias="captureBeforeMarginHours")
    # Failed settlements of one session retried before it is flagged for a human.
    max_settlement_attempts: int = Field(default=5, ge=1, alias="maxSettlementAttempts")

    @classmethod
    def from_document(cls, doc: dict[str, Any] | None) -> RecoverySettings:
        try:
            return cls.model_validate(doc or {})
        except ValidationError as exc:
            raise FailedPrecondition(f"settings/payments_recovery is malformed: {exc.errors()[0]['loc']}") from None

    def to_document(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True)


class SubscriptionSettings(BaseModel):
    """`settings/subscription`: the one trial configuration (seed 004, I6). The default here is
    what `make dev` seeds and what the web app reads; nothing else has its own fallback."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    trial_days: int = Field(default=30, ge=1, le=90, alias="trialDays")
    trial_ai_calls: int = Field(default=3, ge=0, alias="trialAiCalls")

    @classmethod
    def from_document(cls, doc: dict[str, Any] | None) -> SubscriptionSettings:
        try:
            return cls.model_validate(doc or {})
        except ValidationError as exc:
            raise FailedPrecondition(f"settings/subscription is malformed: {exc.errors()[0]['loc']}") from None

    def to_document(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True)
