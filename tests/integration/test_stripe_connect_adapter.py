"""The Connect adapter against the local Stripe: a prefilled Express account, its KYC as the
domain reads it, the onboarding link, then the dashboard link once details are submitted."""

from __future__ import annotations

import requests

from shared.accounts.adapters.stripe_connect import StripeConnectGateway
from shared.accounts.domain.kyc import KycStatus
from shared.accounts.ports.connect import ExpressAccountRequest
from shared.kernel.errors import PaymentGatewayError

KEY = "sk_test_connect"


def request(provider_id: str = "u1", key: str = "connect-account:u1") -> ExpressAccountRequest:
    return ExpressAccountRequest(provider_id, "ana@example.test", "FR", "Ana", "Ruiz", key)


def test_an_express_account_from_registration_to_complete_kyc(stripe_api: str) -> None:
    connect = StripeConnectGateway(KEY, api_base=stripe_api)
    created = connect.create_express_account(request())
    assert created.id.startswith("acct_")
    assert (created.kyc_status, created.can_receive_transfers, created.transfers) == (
        KycStatus.NEEDS_ATTENTION,  # a fresh Express account: its requirements are past due
        False,
        "inactive",
    )
    assert connect.create_express_account(request()).id == created.id, "the same key gives the same account"
    raw = requests.get(f"{stripe_api}/v1/accounts/{created.id}", auth=(KEY, ""), timeout=5).json()
    assert raw["metadata"] == {"providerId": "u1"} and raw["individual"]["first_name"] == "Ana"
    assert raw["type"] == "express" and raw["country"] == "FR" and raw["email"] == "ana@example.test"

    link = connect.onboarding_link(created.id, "https://app.test/r", "https://app.test/d")
    assert link.startswith(stripe_api) and "/_test/connect/onboarding/" in link
    try:
        connect.login_link(created.id)
        raise AssertionError("Stripe refuses a login link before onboarding")
    except PaymentGatewayError as exc:
        assert exc.retryable is False

    done = requests.post(f"{stripe_api}/_test/accounts/{created.id}/complete_onboarding", auth=(KEY, ""), timeout=5)
    done.raise_for_status()
    now = connect.retrieve_account(created.id)
    assert (now.kyc_status, now.can_receive_transfers, now.details_submitted) == (KycStatus.COMPLETE, True, True)
    assert connect.login_link(created.id).startswith("http")
