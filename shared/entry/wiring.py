"""Builds the adapters a function needs, lazily and once per instance."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, partial
from typing import TYPE_CHECKING

from shared.kernel import config
from shared.kernel.adapters.firebase_app import firebase_app

# Each adapter's module (cryptography, pydantic settings, the SDKs) loads with its first use.
if TYPE_CHECKING:
    from shared.accounts.ports.connect import ConnectGateway
    from shared.accounts.ports.directory import AccountDirectory
    from shared.calls.adapters.twilio_telephony import TwilioSignature
    from shared.calls.ports.phone_vault import PhoneVault
    from shared.calls.ports.telephony import Telephony
    from shared.calls.services.follow_ups import FollowUps
    from shared.calls.services.sessions import CallbackUrls
    from shared.kernel.clock import Clock
    from shared.kernel.store import DocumentStore
    from shared.kernel.tasks import TaskScheduler
    from shared.payments.ports.payments import PaymentGateway, WebhookVerifier
    from shared.payouts.ports.rails import PayPalPayouts, WisePayouts
    from shared.subscriptions.ports.billing import BillingGateway


@cache
def store() -> DocumentStore:
    from shared.kernel.adapters.firebase_app import firestore_client
    from shared.kernel.adapters.firestore_store import FirestoreDocumentStore

    return FirestoreDocumentStore(firestore_client())


@cache
def account_directory() -> AccountDirectory:
    from shared.accounts.adapters.firebase_directory import FirebaseAccountDirectory

    return FirebaseAccountDirectory(firebase_app())


@cache
def connect_gateway(secret_key: str) -> ConnectGateway:
    from shared.accounts.adapters.stripe_connect import StripeConnectGateway

    return StripeConnectGateway(secret_key, api_base=config.stripe_api_base())


@cache
def clock() -> Clock:
    from shared.kernel.clock import SystemClock

    return SystemClock()


@cache
def stripe_gateway(secret_key: str) -> PaymentGateway:
    from shared.payments.adapters.stripe_gateway import StripePaymentGateway

    return StripePaymentGateway(secret_key, api_base=config.stripe_api_base())


@cache
def billing_gateway(secret_key: str) -> BillingGateway:
    from shared.subscriptions.adapters.stripe_billing import StripeBillingGateway

    return StripeBillingGateway(secret_key, api_base=config.stripe_api_base())


@cache
def stripe_verifier(webhook_secret: str) -> WebhookVerifier:
    from shared.payments.adapters.stripe_gateway import StripeWebhookVerifier

    return StripeWebhookVerifier(webhook_secret)


@cache
def phone_vault(key_b64: str) -> PhoneVault:
    from shared.calls.adapters.phone_crypto import AesGcmPhoneVault

    return AesGcmPhoneVault(key_b64)


@cache
def task_scheduler(region: str) -> TaskScheduler:
    from shared.kernel.adapters.cloud_tasks import CloudTasksScheduler

    return CloudTasksScheduler(region, firebase_app())


@cache
def telephony(account_sid: str, auth_token: str) -> Telephony:
    from shared.calls.adapters.twilio_telephony import TwilioTelephony

    return TwilioTelephony(account_sid, auth_token, config.twilio_caller_id(), api_base=config.twilio_api_base())


@cache
def twilio_signature(auth_token: str, secondary_token: str, shared_key: str) -> TwilioSignature:
    from shared.calls.adapters.twilio_telephony import TwilioSignature

    return TwilioSignature(auth_token, secondary_token, shared_key)


@cache
def callback_urls(region: str) -> CallbackUrls:
    from shared.calls.services.sessions import CallbackUrls

    return CallbackUrls(config.functions_base_url(region))


def settle_session_payment(stripe_secret_key: str) -> Callable[[str], str]:
    from shared.calls.services.settlement import settle_session

    return partial(settle_session, store=store(), gateway=stripe_gateway(stripe_secret_key), clock=clock())


@cache
def follow_ups(region: str, twilio_account_sid: str, twilio_auth_token: str, stripe_secret_key: str) -> FollowUps:
    """What a Twilio callback asks for after its transaction, with this codebase's adapters."""
    from shared.calls.services.costs import record_call_costs
    from shared.calls.services.follow_ups import FollowUps

    calls = telephony(twilio_account_sid, twilio_auth_token)
    return FollowUps(
        store=store(),
        tasks=task_scheduler(region),
        telephony=calls,
        settle=settle_session_payment(stripe_secret_key),
        record_costs=partial(record_call_costs, store=store(), telephony=calls),
    )


@cache
def paypal_payouts(client_id: str, client_secret: str, webhook_id: str) -> PayPalPayouts:
    from shared.payouts.adapters.paypal_payouts import HttpPayPalPayouts

    return HttpPayPalPayouts(client_id, client_secret, webhook_id, config.paypal_api_base())


@cache
def wise_payouts(api_token: str, profile_id: str, public_key_pem: str) -> WisePayouts:
    from shared.payouts.adapters.wise_transfers import HttpWisePayouts

    # Secret Manager and .secret.local may carry the PEM's line breaks as "\n".
    return HttpWisePayouts(api_token, int(profile_id), public_key_pem.replace("\\n", "\n"), config.wise_api_base())
