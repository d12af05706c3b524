"""Builds the adapters a function needs, lazily and once per instance, typed as their ports.

Every adapter module is imported inside the function that builds it: importing this module
costs nothing at cold start.
"""

from __future__ import annotations

from functools import cache, partial
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shared.calls.ports.phone_vault import PhoneVault
    from shared.calls.ports.telephony import Telephony
    from shared.calls.services.payment_recovery import Settle
    from shared.calls.services.sessions import CallbackUrls
    from shared.entry.twilio_http import SignatureCheck
    from shared.kernel.clock import Clock
    from shared.kernel.store import DocumentStore
    from shared.kernel.tasks import TaskScheduler
    from shared.payments.ports.payments import PaymentGateway, WebhookVerifier
    from shared.subscriptions.ports.billing import BillingGateway


@cache
def store() -> DocumentStore:
    from shared.kernel.adapters.firebase_app import firestore_client
    from shared.kernel.adapters.firestore_store import FirestoreDocumentStore

    return FirestoreDocumentStore(firestore_client())


@cache
def clock() -> Clock:
    from shared.kernel.clock import SystemClock

    return SystemClock()


@cache
def stripe_gateway(secret_key: str) -> PaymentGateway:
    from shared.kernel import config
    from shared.payments.adapters.stripe_gateway import StripePaymentGateway

    return StripePaymentGateway(secret_key, api_base=config.stripe_api_base())


@cache
def billing_gateway(secret_key: str) -> BillingGateway:
    from shared.kernel import config
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
    from shared.kernel.adapters.firebase_app import firebase_app

    return CloudTasksScheduler(region, firebase_app())


@cache
def telephony(account_sid: str, auth_token: str) -> Telephony:
    from shared.calls.adapters.twilio_telephony import TwilioTelephony
    from shared.kernel import config

    return TwilioTelephony(account_sid, auth_token, config.twilio_caller_id(), api_base=config.twilio_api_base())


@cache
def twilio_signature_check(auth_token: str, secondary_token: str, shared_key: str) -> SignatureCheck:
    """Whether a webhook request carries a valid Twilio signature (any of the signing secrets)."""
    from shared.calls.adapters.twilio_telephony import TwilioSignature

    return TwilioSignature(auth_token, secondary_token, shared_key).valid


@cache
def callback_urls(region: str) -> CallbackUrls:
    from shared.calls.services.sessions import CallbackUrls
    from shared.kernel import config

    return CallbackUrls(config.functions_base_url(region))


def payment_settlement(stripe_secret_key: str) -> Settle:
    """`settle_session` bound to this instance's store, Stripe gateway and clock."""
    from shared.calls.services.settlement import settle_session

    return partial(settle_session, store=store(), gateway=stripe_gateway(stripe_secret_key), clock=clock())
