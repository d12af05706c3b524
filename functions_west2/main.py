"""europe-west2: affiliates (registration, wallet, withdrawals, Telegram onboarding)."""

from __future__ import annotations

from shared.entry.codebase import configure_codebase

REGION = "europe-west2"
CODEBASE = "west2"

configure_codebase(CODEBASE, REGION)
