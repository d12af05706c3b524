"""Fixed local ports and identities of the offline stack (one place for all of them)."""

from __future__ import annotations

PROJECT_ID = "demo-sos-expat"
HOST = "127.0.0.1"

FUNCTIONS_PORT = 5001
FIRESTORE_PORT = 8080
AUTH_PORT = 9099
TASKS_PORT = 9499
STORAGE_PORT = 9199
HUB_PORT = 4400
LOGGING_PORT = 4500
LOCALSTRIPE_PORT = 8420
TWILIO_SIM_PORT = 8430
TELEGRAM_SIM_PORT = 8440
PAYPAL_SIM_PORT = 8450
WISE_SIM_PORT = 8460

# Local-only credentials: never valid anywhere but on this machine.
STRIPE_SECRET_KEY = "sk_test_local_sos_expat"
STRIPE_RESTRICTED_KEY = "rk_test_local_sos_expat_read_only"  # west1: reads PaymentIntents only
STRIPE_WEBHOOK_SECRET = "whsec_local_sos_expat_webhook_secret"
TWILIO_ACCOUNT_SID = "AC00000000000000000000000000000000"
TWILIO_AUTH_TOKEN = "local-twilio-auth-token"
TWILIO_SECONDARY_AUTH_TOKEN = "local-twilio-secondary-auth-token"  # the simulator's default
TWILIO_WEBHOOK_SHARED_KEY = "local-twilio-shared-key-secret"  # the simulator's default shared key
TWILIO_PHONE_NUMBER = "+33100000000"
ENCRYPTION_KEY = "bG9jYWwtb25seS1zb3MtZXhwYXQtcGhvbmUta2V5ISE="  # 32 bytes, local only
TWILIO_SIM_SPEED = 60
TELEGRAM_BOT_TOKEN = "123456:local-telegram-bot-token"  # the simulator's default
TELEGRAM_BOT_USERNAME = "sos_expat_local_bot"
TELEGRAM_WEBHOOK_SECRET = "local-telegram-webhook-secret"
PAYPAL_CLIENT_ID = "local-paypal-client-id"  # the simulator's default
PAYPAL_CLIENT_SECRET = "local-paypal-secret"  # the simulator's default
PAYPAL_WEBHOOK_ID = "8PT597110X687430LKGECATA"  # shaped as PayPal's webhook ids
WISE_API_TOKEN = "local-wise-api-token"  # the simulator's default
WISE_PROFILE_ID = 1001  # the simulator's default

CODEBASE_REGIONS = {
    "west1": "europe-west1",
    "west2": "europe-west2",
    "west3": "europe-west3",
}


def function_url(region: str, name: str) -> str:
    return f"http://{HOST}:{FUNCTIONS_PORT}/{PROJECT_ID}/{region}/{name}"
