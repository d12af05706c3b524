"""Builds the adapters a function needs, lazily and once per instance."""

from __future__ import annotations

from functools import cache

from shared import config
from shared.adapters.firebase_app import firestore_client
from shared.adapters.firestore_store import FirestoreDocumentStore
from shared.adapters.stripe_gateway import StripePaymentGateway, StripeWebhookVerifier
from shared.ports.clock import Clock, SystemClock


@cache
def store() -> FirestoreDocumentStore:
    return FirestoreDocumentStore(firestore_client())


@cache
def clock() -> Clock:
    return SystemClock()


@cache
def stripe_gateway(secret_key: str) -> StripePaymentGateway:
    return StripePaymentGateway(secret_key, api_base=config.stripe_api_base())


@cache
def stripe_verifier(webhook_secret: str) -> StripeWebhookVerifier:
    return StripeWebhookVerifier(webhook_secret)
