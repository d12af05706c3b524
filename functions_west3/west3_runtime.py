"""europe-west3's runtime settings: region, secrets, sizes (imported first by every module)."""

from __future__ import annotations

import logging
from typing import Any

from firebase_functions import options, params

from shared.entry.codebase import configure_codebase

REGION = "europe-west3"
CODEBASE = "west3"

configure_codebase(CODEBASE, REGION)

STRIPE_SECRET_KEY = params.SecretParam("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = params.SecretParam("STRIPE_WEBHOOK_SECRET")
TWILIO_ACCOUNT_SID = params.SecretParam("TWILIO_ACCOUNT_SID")
TWILIO_AUTH_TOKEN = params.SecretParam("TWILIO_AUTH_TOKEN")
# Webhook signatures: the secondary auth token during a rotation, and a Webhook Setting's shared
# signing key; "-" when not in use (README, Secrets).
TWILIO_SECONDARY_AUTH_TOKEN = params.SecretParam("TWILIO_SECONDARY_AUTH_TOKEN")
TWILIO_WEBHOOK_SHARED_KEY = params.SecretParam("TWILIO_WEBHOOK_SHARED_KEY")
WEBHOOK_SIGNING_SECRETS: list[params.SecretParam] = [TWILIO_SECONDARY_AUTH_TOKEN, TWILIO_WEBHOOK_SHARED_KEY]
ENCRYPTION_KEY = params.SecretParam("ENCRYPTION_KEY")
TELEGRAM_BOT_TOKEN = params.SecretParam("TELEGRAM_BOT_TOKEN")
TELEGRAM_WEBHOOK_SECRET = params.SecretParam("TELEGRAM_WEBHOOK_SECRET")
PAYPAL_CLIENT_ID = params.SecretParam("PAYPAL_CLIENT_ID")
PAYPAL_CLIENT_SECRET = params.SecretParam("PAYPAL_CLIENT_SECRET")
PAYPAL_WEBHOOK_ID = params.SecretParam("PAYPAL_WEBHOOK_ID")
PAYPAL_SECRETS: list[params.SecretParam] = [PAYPAL_CLIENT_ID, PAYPAL_CLIENT_SECRET, PAYPAL_WEBHOOK_ID]
WISE_API_TOKEN = params.SecretParam("WISE_API_TOKEN")
WISE_PROFILE_ID = params.SecretParam("WISE_PROFILE_ID")
# Wise's published webhook public key (PEM): not secret, but kept with the token it goes with.
WISE_WEBHOOK_PUBLIC_KEY = params.SecretParam("WISE_WEBHOOK_PUBLIC_KEY")
WISE_SECRETS: list[params.SecretParam] = [WISE_API_TOKEN, WISE_PROFILE_ID, WISE_WEBHOOK_PUBLIC_KEY]
CALL_SECRETS: list[params.SecretParam] = [
    STRIPE_SECRET_KEY,
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    ENCRYPTION_KEY,
]
SMALL_MEMORY = options.MemoryOption.MB_256
# The regional budget (README, Deploying): functions serving one request at a time get the
# smallest CPU Cloud Run takes (any fraction from 0.08 to 1 at <= 512 MiB; the SDK annotates
# `cpu` as int only); concurrency > 1 (the Twilio webhooks) needs a whole vCPU.
SMALL_CPU: Any = 0.08
CONCURRENT_CPU = 1
TWILIO_CONCURRENCY = 40
logger = logging.getLogger(CODEBASE)
