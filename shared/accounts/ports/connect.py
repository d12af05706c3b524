"""The Stripe Connect port: the provider's Express account, its onboarding and login links."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from shared.accounts.domain.kyc import ConnectAccount


@dataclass(frozen=True)
class ExpressAccountRequest:
    """An Express account prefilled from the registration (the provider completes the rest)."""

    provider_id: str
    email: str | None
    country: str
    first_name: str
    last_name: str
    idempotency_key: str


class ConnectGateway(ABC):
    @abstractmethod
    def create_express_account(self, request: ExpressAccountRequest) -> ConnectAccount:
        """A new Express account requesting the `transfers` capability; the same account again
        for the same idempotency key."""

    @abstractmethod
    def retrieve_account(self, account_id: str) -> ConnectAccount:
        """The account as Stripe has it now."""

    @abstractmethod
    def onboarding_link(self, account_id: str, refresh_url: str, return_url: str) -> str:
        """A short-lived URL where the provider gives Stripe what it needs (Account Link)."""

    @abstractmethod
    def login_link(self, account_id: str) -> str:
        """A URL to the provider's Express dashboard (only once details are submitted)."""
