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


def twilio_api_base() -> str | None:
    """The local carrier simulator's URL when running locally; None (Twilio) in production."""
    if not running_in_emulator():
        return None
    return os.environ.get("TWILIO_API_BASE") or None


def project_id() -> str:
    for name in PROJECT_ID_ENV:
        value = os.environ.get(name)
        if value:
            return value
    return "demo-sos-expat"


def functions_base_url(region: str) -> str:
    """Public base URL of a region's HTTPS functions (what Twilio calls and signs)."""
    configured = os.environ.get("PUBLIC_FUNCTIONS_BASE_URL")
    if configured:
        return configured.rstrip("/").replace("{region}", region)
    return f"https://{region}-{project_id()}.cloudfunctions.net"


def twilio_caller_id() -> str:
    return os.environ.get("TWILIO_PHONE_NUMBER", "+33100000000")


def web_app_url() -> str:
    """Where Stripe Checkout sends the provider back (`WEB_APP_URL`)."""
    return os.environ.get("WEB_APP_URL", "https://sos-expat.com").rstrip("/")
