"""Runtime configuration read from the environment (and nothing else).

Secrets are declared as SecretParams in each codebase's main.py and passed in as values.
Emulator-only switches (anonymous Admin SDK credentials, provider base URLs, a plain-http
public URL) are honoured only under a `demo-` project: Firebase never deploys one, and the
project id variables are reserved (a deployed `.env` cannot set them), so a stray variable in
production cannot send money calls elsewhere.
"""

from __future__ import annotations

import os

PROJECT_ID_ENV = ("GCLOUD_PROJECT", "GOOGLE_CLOUD_PROJECT")
DEMO_PROJECT_PREFIX = "demo-"


class ConfigurationError(RuntimeError):
    """A deployed setting the product refuses to run with."""


def configured_project_id() -> str | None:
    for name in PROJECT_ID_ENV:
        value = os.environ.get(name)
        if value:
            return value
    return None


def emulator_switches_allowed() -> bool:
    """True only for a `demo-` project: the one gate of every emulator-only switch."""
    return (configured_project_id() or "").startswith(DEMO_PROJECT_PREFIX)


def running_in_emulator() -> bool:
    """Inside the functions emulator of a demo- project."""
    return emulator_switches_allowed() and os.environ.get("FUNCTIONS_EMULATOR") == "true"


def using_emulators() -> bool:
    """Against the local emulators (functions or Firestore) of a demo- project."""
    emulator_env = os.environ.get("FUNCTIONS_EMULATOR") == "true" or bool(os.environ.get("FIRESTORE_EMULATOR_HOST"))
    return emulator_switches_allowed() and emulator_env


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


def telegram_api_base() -> str:
    """The Telegram Bot API; the local simulator's URL when running locally (`TELEGRAM_API_BASE`)."""
    if running_in_emulator() and os.environ.get("TELEGRAM_API_BASE"):
        return os.environ["TELEGRAM_API_BASE"].rstrip("/")
    return "https://api.telegram.org"


def paypal_api_base() -> str:
    """PayPal's REST API; the local simulator's URL when running locally (`PAYPAL_API_BASE`)."""
    if running_in_emulator() and os.environ.get("PAYPAL_API_BASE"):
        return os.environ["PAYPAL_API_BASE"].rstrip("/")
    return "https://api-m.paypal.com"


def wise_api_base() -> str:
    """Wise's Platform API; the local simulator's URL when running locally (`WISE_API_BASE`)."""
    if running_in_emulator() and os.environ.get("WISE_API_BASE"):
        return os.environ["WISE_API_BASE"].rstrip("/")
    return "https://api.wise.com"


def telegram_bot_username() -> str:
    """The bot the deep links open (`TELEGRAM_BOT_USERNAME`)."""
    return os.environ.get("TELEGRAM_BOT_USERNAME", "sos_expat_bot")


def project_id() -> str:
    return configured_project_id() or "demo-sos-expat"


def functions_base_url(region: str) -> str:
    """Public base URL of a region's HTTPS functions (what Twilio calls and signs).

    `PUBLIC_FUNCTIONS_BASE_URL` must be `https://`; plain http (the local stack) only under a
    demo- project.
    """
    configured = os.environ.get("PUBLIC_FUNCTIONS_BASE_URL")
    if configured:
        if not configured.startswith("https://") and not emulator_switches_allowed():
            raise ConfigurationError("PUBLIC_FUNCTIONS_BASE_URL must be an https:// URL")
        return configured.rstrip("/").replace("{region}", region)
    return f"https://{region}-{project_id()}.cloudfunctions.net"


def twilio_caller_id() -> str:
    return os.environ.get("TWILIO_PHONE_NUMBER", "+33100000000")


def web_app_url() -> str:
    """Where Stripe Checkout sends the provider back (`WEB_APP_URL`)."""
    return os.environ.get("WEB_APP_URL", "https://sos-expat.com").rstrip("/")


def tracking_link_base() -> str:
    """Where an affiliate's links start (`TRACKING_LINK_BASE`; the web app's `/r` rewrite to
    trackAffiliateClick by default): `{base}/{code}`."""
    return os.environ.get("TRACKING_LINK_BASE", f"{web_app_url()}/r").rstrip("/")


def admin_alert_email() -> str:
    """Where alerts for admins go (disputes): `ADMIN_ALERT_EMAIL`."""
    return os.environ.get("ADMIN_ALERT_EMAIL", "alerts@sos-expat.com")
