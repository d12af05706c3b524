"""Demo data loaded on every start of the local stack (Firestore + Auth emulators)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from devtools import ports
from shared.accounts.services.provider_profiles import account_path, profile_path, split_profile
from shared.affiliates.adapters.resource_repository import resource_path
from shared.affiliates.adapters.training_repository import module_path
from shared.affiliates.domain.resource_catalogue import RESOURCES
from shared.affiliates.domain.training_catalogue import MODULES
from shared.calls.adapters.phone_crypto import AesGcmPhoneVault
from shared.calls.domain.settings import CallSettings
from shared.payments.domain.pricing import DEFAULT_PRICING
from shared.payments.domain.settings import PaymentSettings
from shared.subscriptions.domain.plans import PLANS
from shared.subscriptions.domain.settings import SubscriptionSettings

DEMO_PASSWORD = "demo-password-1"

DEMO_USERS: list[dict[str, Any]] = [
    {"uid": "demo_client", "email": "client@demo.sos-expat.test", "claims": {"role": "client"}},
    {"uid": "demo_admin", "email": "admin@demo.sos-expat.test", "claims": {"role": "admin", "admin": True}},
    {"uid": "demo_lawyer", "email": "lawyer@demo.sos-expat.test", "claims": {"role": "lawyer"}},
    {"uid": "demo_expat", "email": "expat@demo.sos-expat.test", "claims": {"role": "expat"}},
]

DEMO_PROVIDERS: dict[str, dict[str, Any]] = {
    "demo_lawyer": {
        "type": "lawyer",
        "displayName": "Maître Demo",
        "email": "lawyer@demo.sos-expat.test",
        "phone": "+33600000001",
        "languages": ["fr", "en"],
        "country": "FR",
    },
    "demo_expat": {
        "type": "expat",
        "displayName": "Demo Expat Helper",
        "email": "expat@demo.sos-expat.test",
        "phone": "+33600000008",
        "languages": ["en", "es"],
        "country": "ES",
    },
}


def emulator_env() -> dict[str, str]:
    return {
        "FIRESTORE_EMULATOR_HOST": f"{ports.HOST}:{ports.FIRESTORE_PORT}",
        "FIREBASE_AUTH_EMULATOR_HOST": f"{ports.HOST}:{ports.AUTH_PORT}",
        "GCLOUD_PROJECT": ports.PROJECT_ID,
    }


def admin_app() -> Any:
    """A firebase-admin app bound to the emulators (anonymous credentials)."""
    import firebase_admin
    from google.auth.credentials import AnonymousCredentials

    os.environ.update(emulator_env())
    try:
        return firebase_admin.get_app("devtools")
    except ValueError:
        pass

    class _Anonymous(firebase_admin.credentials.Base):  # type: ignore[misc]
        def get_credential(self) -> Any:
            return AnonymousCredentials()  # type: ignore[no-untyped-call]

    return firebase_admin.initialize_app(_Anonymous(), {"projectId": ports.PROJECT_ID}, name="devtools")


def seed() -> None:
    from firebase_admin import auth, firestore

    app = admin_app()
    db = firestore.client(app)
    now = datetime.now(UTC)
    db.document("settings/pricing").set(DEFAULT_PRICING.to_document())
    db.document("settings/payments").set(PaymentSettings().to_document())
    db.document("settings/calls").set(CallSettings().to_document())
    db.document("settings/subscription").set(SubscriptionSettings().to_document())
    for plan in PLANS.values():
        db.document(f"subscription_plans/{plan.plan_id}").set(plan.to_document(), merge=True)
    for module in MODULES:
        db.document(module_path(module.module_id)).set(module.to_document())
    for resource in RESOURCES:
        db.document(resource_path(resource.resource_id)).set(resource.to_document())
    db.document("system/twilio_breaker").delete()
    vault = AesGcmPhoneVault(ports.ENCRYPTION_KEY)
    for uid, profile in DEMO_PROVIDERS.items():
        public, private = split_profile({k: v for k, v in profile.items() if k != "phone"})
        db.document(profile_path(uid)).set(
            {
                **public,
                "uid": uid,
                "approvalStatus": "approved",
                "isVisible": True,
                "isOnline": True,
                "availability": "available",
                "createdAt": now,
            }
        )
        db.document(account_path(uid)).set({**private, "phoneSealed": vault.seal(profile["phone"])})
    for user in DEMO_USERS:
        try:
            auth.get_user(user["uid"], app=app)
        except auth.UserNotFoundError:
            auth.create_user(uid=user["uid"], email=user["email"], password=DEMO_PASSWORD, email_verified=True, app=app)
        auth.set_custom_user_claims(user["uid"], user["claims"], app=app)
        db.document(f"users/{user['uid']}").set(
            {"uid": user["uid"], "email": user["email"], "role": user["claims"]["role"], "createdAt": now},
            merge=True,
        )
