"""The payment rails a withdrawal is paid through: PayPal Payouts and Wise transfers.

Every send is idempotent on the withdrawal id, so the same withdrawal sent again (a retry after
a timeout, a double click) pays once. Outcomes arrive later by signed webhooks; reads give the
provider's record for reconciliation."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class RailUnavailable(Exception):
    """The provider did not answer, or answered 5xx / 429: nothing is known, send again later
    (the same idempotency keys make that safe)."""


class RailRefused(Exception):
    """The provider refused the payout for good (an invalid receiver, a route it does not serve):
    sending it again cannot help."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class RailBlocked(Exception):
    """The payout waits on the platform's side (Wise: the balance is too low to fund it); sending
    again once that is fixed carries on with the same transfer."""


@dataclass(frozen=True)
class PayoutSent:
    """What a send created: `reference` is the PayPal payout item id or the Wise transfer id."""

    reference: str
    status: str  # the provider's own status word, kept as it said it


@dataclass(frozen=True)
class PayoutRecord:
    """The provider's record of one payout, as reconciliation compares it."""

    reference: str
    status: str  # the provider's own status word
    paid: bool  # the money reached the receiver and stays there
    amount: int  # minor units (two-decimal currencies), in `currency`, as sent (fees inside)
    currency: str  # lower case


class PayPalPayouts(ABC):
    """PayPal Payouts v1 over REST, with an OAuth client-credentials token kept until it expires."""

    @abstractmethod
    def send(self, *, withdrawal_id: str, receiver_email: str, amount: int, currency: str, note: str) -> PayoutSent:
        """Pay `amount` minor units by PayPal to `receiver_email` in a batch of one, with
        `sender_batch_id` and `sender_item_id` derived from the withdrawal id: a second send of the
        same withdrawal finds the first batch and creates nothing. Raises RailUnavailable or
        RailRefused."""

    @abstractmethod
    def record(self, reference: str) -> PayoutRecord:
        """The payout item `reference` as PayPal has it now. Raises RailUnavailable, or
        RailRefused when PayPal knows no such item."""

    @abstractmethod
    def verify_webhook(self, headers: Mapping[str, str], event: dict[str, Any]) -> bool:
        """Whether PayPal signed this delivery (its verify-webhook-signature call, with the
        configured webhook id). Raises RailUnavailable when PayPal cannot say."""


@dataclass(frozen=True)
class WiseRecipient:
    account_holder_name: str
    iban: str
    currency: str  # lower case, the currency the receiver is paid in


class WisePayouts(ABC):
    """Wise Platform transfers over REST (a business profile and its API token), paid from the
    profile's balance."""

    @abstractmethod
    def send(self, *, withdrawal_id: str, amount: int, currency: str, recipient: WiseRecipient) -> PayoutSent:
        """Quote `amount` minor units of `currency` to the recipient's currency, create the
        recipient and a transfer whose `customerTransactionId` is derived from the withdrawal id
        (a second send returns the first transfer), and fund it from the balance. Raises
        RailUnavailable, RailRefused, or RailBlocked (the balance cannot fund it)."""

    @abstractmethod
    def record(self, reference: str) -> PayoutRecord:
        """The transfer `reference` as Wise has it now. Raises RailUnavailable, or RailRefused
        when Wise knows no such transfer."""

    @abstractmethod
    def verify_webhook(self, body: bytes, signature: str | None) -> bool:
        """Whether `X-Signature-SHA256` is Wise's RSA-SHA256 signature of the raw body (a missing
        or garbled signature is False; a configured key that cannot be read raises)."""
