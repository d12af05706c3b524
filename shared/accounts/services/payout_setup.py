"""onProviderCreated: the payout method of a new provider, set up once.

Stripe: an Express account prefilled from the profile (idempotency key from the uid), its id and
KYC state on the private account. PayPal: the PayPal e-mail (the account's by default) marked
active. A redelivered trigger finds the method set up and changes nothing; the Stripe call is made
outside the transaction, and the same key gives the same account when the first delivery died
before recording it. Stripe saves a 5xx under its key and replays it for 24 h, so a retryable
failure spends the key (`shared.kernel.idempotency`): the trigger's redelivery, or the onboarding
link, asks under the next one (`connect-account:{uid}:a1`). Should a 5xx have hidden an account
Stripe did create (accounts cannot be searched by metadata), that one is left unused.
Profiles written without a `payoutMethod` (seeds, migrations) are left alone.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from shared.accounts.domain.kyc import ConnectAccount
from shared.accounts.domain.provider import PayoutMethod
from shared.accounts.ports.connect import ConnectGateway, ExpressAccountRequest
from shared.accounts.services.provider_profiles import account_path, profile_path, read_account
from shared.kernel.clock import Clock
from shared.kernel.idempotency import call_with_key
from shared.kernel.store import DocumentStore, Transaction

log = logging.getLogger(__name__)


def connect_account_key(provider_id: str) -> str:
    """The base key; after an outage the attempt's key (`connect-account:{uid}:a1`, ...)."""
    return f"connect-account:{provider_id}"


def set_up_payout_method(provider_id: str, *, store: DocumentStore, connect: ConnectGateway, clock: Clock) -> str:
    """What was done: stripe_account, paypal, already_set_up or nothing_to_do."""
    profile = store.get(profile_path(provider_id))
    if profile is None or profile.get("payoutMethod") not in {m.value for m in PayoutMethod}:
        return "nothing_to_do"
    account = read_account(store, provider_id)
    if PayoutMethod(profile["payoutMethod"]) is PayoutMethod.PAYPAL:
        return str(store.run_transaction(lambda tx: _activate_paypal(tx, provider_id, clock.now())))
    if account.get("stripeAccountId"):
        return "already_set_up"
    created = call_with_key(
        store,
        connect_account_key(provider_id),
        lambda key: connect.create_express_account(
            ExpressAccountRequest(
                provider_id=provider_id,
                email=account.get("email"),
                country=str(profile.get("country", "")),
                first_name=str(profile.get("firstName", "")),
                last_name=str(profile.get("lastName", "")),
                idempotency_key=key,
            )
        ),
    )
    return str(store.run_transaction(lambda tx: _record_stripe_account(tx, provider_id, created, clock.now())))


def _activate_paypal(tx: Transaction, provider_id: str, now: datetime) -> str:
    account = tx.get(account_path(provider_id)) or {}
    if account.get("paypalAccountStatus") == "active":
        return "already_set_up"
    tx.set(
        account_path(provider_id),
        {"paypalEmail": account.get("paypalEmail") or account.get("email"), "paypalAccountStatus": "active"},
        merge=True,
    )
    return "paypal"


def _record_stripe_account(tx: Transaction, provider_id: str, created: ConnectAccount, now: datetime) -> str:
    account = tx.get(account_path(provider_id)) or {}
    if account.get("stripeAccountId"):
        return "already_set_up"
    tx.set(account_path(provider_id), kyc_fields(created, now), merge=True)
    return "stripe_account"


def kyc_fields(account: ConnectAccount, now: datetime) -> dict[str, Any]:
    """What the private account keeps of the Connect account (also what account.updated writes)."""
    return {
        "stripeAccountId": account.id,
        "kycStatus": account.kyc_status.value,
        "canReceiveTransfers": account.can_receive_transfers,
        "kycUpdatedAt": now,
    }
