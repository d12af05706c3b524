"""Payment gateway port: card holds (manual-capture PaymentIntents) and webhook verification."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.kernel.money import Money


@dataclass(frozen=True)
class Destination:
    """Destination charge: the provider's connected account receives the funds minus the fee."""

    account_id: str
    application_fee: Money


@dataclass(frozen=True)
class HoldRequest:
    """An authorisation to place on the client's card, captured or released later."""

    amount: Money
    metadata: dict[str, str]
    idempotency_key: str
    destination: Destination | None = None


@dataclass(frozen=True)
class Hold:
    id: str
    client_secret: str
    status: str
    amount: Money
    metadata: dict[str, str] = field(default_factory=dict)
    amount_capturable: int = 0
    capture_before: datetime | None = None  # when an authorised card hold lapses (its charge's card details)


@dataclass(frozen=True)
class RefundRequest:
    """Money given back from a captured hold; with `reverse_transfer`, the provider's transfer and
    the platform's fee of a destination charge are given back in proportion. `metadata["refund"]`
    names this refund whatever the key: a retry under a new key finds it instead of refunding again."""

    hold_id: str
    amount: Money
    idempotency_key: str
    metadata: dict[str, str]
    reverse_transfer: bool = False


@dataclass(frozen=True)
class Refund:
    id: str
    amount: Money
    status: str  # Stripe's: succeeded | pending | failed | canceled | requires_action


class InvalidSignature(Exception):
    """An inbound webhook failed signature verification (missing, wrong or stale)."""


class PaymentGateway(ABC):
    @abstractmethod
    def create_hold(self, request: HoldRequest) -> Hold:
        """Create a manual-capture PaymentIntent with the given idempotency key."""

    @abstractmethod
    def retrieve_hold(self, hold_id: str) -> Hold:
        """Fetch an existing PaymentIntent as Stripe has it now (client secret included), with
        `capture_before` from its latest charge when the card is authorised."""

    @abstractmethod
    def capture_hold(self, hold_id: str, idempotency_key: str) -> Hold:
        """Capture the full authorised amount; an already captured hold is returned as is."""

    @abstractmethod
    def release_hold(self, hold_id: str, idempotency_key: str) -> Hold:
        """Cancel the PaymentIntent (release the hold); an already canceled one is returned as is."""

    @abstractmethod
    def refund(self, request: RefundRequest) -> Refund:
        """Refund part or all of a captured hold; the same refund again for the same key."""

    @abstractmethod
    def can_receive_transfers(self, account_id: str) -> bool:
        """True when the connected account's `transfers` capability is active."""


class WebhookVerifier(ABC):
    @abstractmethod
    def verify(self, payload: bytes, signature_header: str | None) -> dict[str, Any]:
        """Check the signature of the raw body and return the event; raise InvalidSignature."""
