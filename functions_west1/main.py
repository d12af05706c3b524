"""europe-west1: core and admin functions (no secret that can move money or place calls)."""

from __future__ import annotations

from firebase_functions import options

from shared.adapters.firebase_app import firebase_app
from shared.entry.logs import configure_logging

REGION = "europe-west1"
CODEBASE = "west1"

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
