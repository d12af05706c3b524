"""`settings/subscription`."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from shared.kernel.settings import SettingsDocument


class SubscriptionSettings(SettingsDocument):
    """`settings/subscription`: the one trial configuration (seed 004, I6). The default here is
    what `make dev` seeds and what the web app reads; nothing else has its own fallback."""

    PATH: ClassVar[str] = "settings/subscription"

    trial_days: int = Field(default=30, ge=1, le=90, alias="trialDays")
    trial_ai_calls: int = Field(default=3, ge=0, alias="trialAiCalls")
