"""A provider's Connect account after it exists: KYC from `account.updated`, and the links the
provider follows to finish onboarding (or, once details are submitted, to its dashboard).

`account.updated` is applied inside the webhook's ledger transaction (once per event id); an
event older than the one that last wrote the KYC fields changes nothing, so a late redelivery
never brings back an outdated state. The link callable asks Stripe for the account as it is now
and records what it says exactly as the webhook would: the provider never waits for one.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from shared.accounts.domain.kyc import ConnectAccount
from shared.accounts.ports.connect import ConnectGateway
from shared.accounts.services.payout_setup import kyc_fields, set_up_payout_method
from shared.accounts.services.provider_profiles import account_path, profile_path, read_account
from shared.kernel.clock import Clock
from shared.kernel.commands import Caller, require_caller
from shared.kernel.errors import FailedPrecondition, PaymentGatewayError, PermissionDenied, Unavailable
from shared.kernel.store import DocumentStore, Transaction

log = logging.getLogger(__name__)


def on_account_updated(tx: Transaction, event: dict[str, Any], now: datetime) -> None:
    """The `account.updated` handler of stripeWebhook."""
    obj = event["data"]["object"]
    provider_id = (obj.get("metadata") or {}).get("providerId")
    if not isinstance(provider_id, str) or not provider_id:
        log.info("account.updated for %s: not a provider's account", obj.get("id"))
        return
    _record(tx, provider_id, ConnectAccount.from_stripe(obj), int(event.get("created") or 0), now)


ACCOUNT_HANDLERS = {"account.updated": on_account_updated}


def _record(tx: Transaction, provider_id: str, account: ConnectAccount, as_of: int, now: datetime) -> bool:
    private = tx.get(account_path(provider_id))
    if private is None or private.get("stripeAccountId") not in (None, account.id):
        log.warning("account.updated for %s does not belong to provider %s", account.id, provider_id)
        return False
    if int(private.get("kycAsOf") or 0) > as_of:
        return False  # a newer state is already recorded
    tx.set(account_path(provider_id), {**kyc_fields(account, now), "kycAsOf": as_of}, merge=True)
    return True


def stripe_onboarding_link(
    caller: Caller | None, *, store: DocumentStore, connect: ConnectGateway, clock: Clock, return_base: str
) -> dict[str, Any]:
    """getStripeOnboardingLink: `{url, kind}`, an onboarding link until Stripe has the provider's
    details, then a link to its Express dashboard."""
    user = require_caller(caller)
    profile = store.get(profile_path(user.uid))
    if profile is None or "approvalStatus" not in profile:
        raise PermissionDenied("only a provider has a Stripe account")
    if profile.get("payoutMethod") != "stripe":
        raise FailedPrecondition("this provider is paid by PayPal, not through a Stripe account")
    try:
        if not read_account(store, user.uid).get("stripeAccountId"):
            set_up_payout_method(user.uid, store=store, connect=connect, clock=clock)  # the trigger's work was lost
        account_id = str(read_account(store, user.uid)["stripeAccountId"])
        account = connect.retrieve_account(account_id)
        store.run_transaction(lambda tx: _record(tx, user.uid, account, int(clock.now().timestamp()), clock.now()))
        if account.details_submitted:
            return {"url": connect.login_link(account_id), "kind": "dashboard"}
        url = connect.onboarding_link(
            account_id, refresh_url=f"{return_base}?onboarding=refresh", return_url=f"{return_base}?onboarding=done"
        )
    except PaymentGatewayError as exc:
        raise Unavailable("the payment provider is unavailable; retry shortly") from exc
    return {"url": url, "kind": "onboarding"}
