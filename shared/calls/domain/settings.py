"""`settings/calls` and `settings/payments_recovery`."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from shared.kernel.settings import SettingsDocument


class CallSettings(SettingsDocument):
    """The shape of `settings/calls`."""

    PATH: ClassVar[str] = "settings/calls"

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


class RecoverySettings(SettingsDocument):
    """The shape of `settings/payments_recovery`: when a hold or a session counts as stuck."""

    PATH: ClassVar[str] = "settings/payments_recovery"

    # An authorized hold with no call session this long after its authorization is released.
    orphan_hold_minutes: int = Field(default=30, ge=1, alias="orphanHoldMinutes")
    # A session still not terminal this long after its creation is failed (or flagged when active).
    stuck_session_minutes: int = Field(default=120, ge=1, alias="stuckSessionMinutes")
    # A hold whose card authorization expires within this margin is settled before it lapses.
    capture_before_margin_hours: int = Field(default=24, ge=0, alias="captureBeforeMarginHours")
    # Failed settlements of one session retried before it is flagged for a human.
    max_settlement_attempts: int = Field(default=5, ge=1, alias="maxSettlementAttempts")
