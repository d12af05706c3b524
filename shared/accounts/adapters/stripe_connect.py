"""ConnectGateway over Stripe Connect (Express accounts), through the typed StripeClient."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.accounts.domain.kyc import ConnectAccount
from shared.accounts.ports.connect import ConnectGateway, ExpressAccountRequest
from shared.kernel.adapters.stripe_api import call_stripe, stripe_client

if TYPE_CHECKING:
    import stripe
    from stripe.params import AccountCreateParams


class StripeConnectGateway(ConnectGateway):
    """Express accounts of the platform. The client is created on first use."""

    def __init__(self, api_key: str, api_base: str | None = None) -> None:
        self._api_key = api_key
        self._api_base = api_base
        self._client: stripe.StripeClient | None = None

    def _stripe(self) -> stripe.StripeClient:
        if self._client is None:
            self._client = stripe_client(self._api_key, self._api_base)
        return self._client

    def create_express_account(self, request: ExpressAccountRequest) -> ConnectAccount:
        params: AccountCreateParams = {
            "type": "express",
            "country": request.country,
            "business_type": "individual",
            "individual": {"first_name": request.first_name, "last_name": request.last_name},
            "capabilities": {"transfers": {"requested": True}},
            "metadata": {"providerId": request.provider_id},
        }
        if request.email:
            params["email"] = request.email
            params["individual"]["email"] = request.email
        created = call_stripe(
            "accounts.create",
            lambda: self._stripe().v1.accounts.create(
                params=params, options={"idempotency_key": request.idempotency_key}
            ),
        )
        return ConnectAccount.from_stripe(created.to_dict())

    def retrieve_account(self, account_id: str) -> ConnectAccount:
        account = call_stripe("accounts.retrieve", lambda: self._stripe().v1.accounts.retrieve(account_id))
        return ConnectAccount.from_stripe(account.to_dict())

    def onboarding_link(self, account_id: str, refresh_url: str, return_url: str) -> str:
        link = call_stripe(
            "account_links.create",
            lambda: self._stripe().v1.account_links.create(
                params={
                    "account": account_id,
                    "type": "account_onboarding",
                    "refresh_url": refresh_url,
                    "return_url": return_url,
                }
            ),
        )
        return str(link.url)

    def login_link(self, account_id: str) -> str:
        link = call_stripe("login_links.create", lambda: self._stripe().v1.accounts.login_links.create(account_id))
        return str(link.url)
