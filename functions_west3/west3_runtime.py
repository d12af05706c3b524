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
