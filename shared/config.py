"""Runtime configuration read from the environment (and nothing else).

Secrets are declared as SecretParams in each codebase's main.py and passed in as values.
Local-only overrides (provider base URLs) are honoured only against the emulators, so a
stray variable in production cannot send money calls elsewhere.
"""

from __future__ import annotations

import os

PROJECT_ID_ENV = ("GCLOUD_PROJECT", "GOOGLE_CLOUD_PROJECT")


def running_in_emulator() -> bool:
    return os.environ.get("FUNCTIONS_EMULATOR") == "true"


def stripe_api_base() -> str | None:
    """localstripe's URL when running locally; None (Stripe itself) in production."""
    if not running_in_emulator():
        return None
    return os.environ.get("STRIPE_API_BASE") or None
