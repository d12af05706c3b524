"""europe-west2: affiliates (registration, wallet, withdrawals, Telegram onboarding)."""

from __future__ import annotations

from firebase_functions import options

from shared.adapters.firebase_app import firebase_app
from shared.entry.logs import configure_logging

REGION = "europe-west2"
CODEBASE = "west2"

options.set_global_options(
    region=REGION,
    memory=options.MemoryOption.MB_512,
    cpu="gcf_gen1",
    concurrency=1,
    max_instances=3,
    min_instances=0,
)
configure_logging(CODEBASE)
firebase_app()
