"""The simulated Wise resources and their JSON, field for field as Wise answers them.

Amounts are kept as :class:`~decimal.Decimal` and rendered as JSON numbers, as
Wise sends them. Times are virtual (see :mod:`devtools.wise_sim.clock`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from devtools.wise_sim.clock import VirtualClock, iso_z, wise_datetime

QUOTE_LIFETIME_SECONDS = 30 * 60  # "The rate will be locked for 30 minutes"
#: Transfer states (Wise's names), in the order a payout meets them.
WAITING = "incoming_payment_waiting"
PROCESSING = "processing"
FUNDS_CONVERTED = "funds_converted"
OUTGOING_PAYMENT_SENT = "outgoing_payment_sent"
BOUNCED_BACK = "bounced_back"
FUNDS_REFUNDED = "funds_refunded"
CANCELLED = "cancelled"
#: States a transfer may still be cancelled from ("not in funds_converted or later").
CANCELLABLE = (WAITING, PROCESSING)


def amount(value: Decimal) -> float:
    return float(value)


@dataclass
class Quote:
    id: str
    profile: int
    user: int
    source_currency: str
    target_currency: str
    source_amount: Decimal
    target_amount: Decimal
    fee: Decimal
    rate: Decimal
    pay_out: str
    provided_amount_type: str  # SOURCE | TARGET
    created_at: float
    #: PENDING -> ACCEPTED (a transfer uses it) -> FUNDED; EXPIRED once unused for 30 minutes
    status: str = "PENDING"
    #: the recipient it was priced for (given at creation or by a PATCH), None until then
    target_account: int | None = None

    @property
    def expires_at(self) -> float:
        return self.created_at + QUOTE_LIFETIME_SECONDS

    def expire_if_due(self, now: float) -> None:
        """An unused quote turns ``EXPIRED`` once its 30 minutes are over."""
        if self.status == "PENDING" and now >= self.expires_at:
            self.status = "EXPIRED"

    def to_json(self, clock: VirtualClock) -> dict[str, Any]:
        self.expire_if_due(clock.now())
        created, expires = clock.wallclock(self.created_at), clock.wallclock(self.expires_at)
        fee = {"transferwise": amount(self.fee), "payIn": 0.0, "discount": 0.0, "partner": 0.0}
        fee["total"] = amount(self.fee)
        option = {
            "disabled": False,
            "estimatedDelivery": iso_z(clock.wallclock(self.created_at + 24 * 3600)),
            "formattedEstimatedDelivery": "by tomorrow",
            "estimatedDeliveryDelays": [],
            "fee": fee,
            "sourceAmount": amount(self.source_amount),
            "targetAmount": amount(self.target_amount),
            "sourceCurrency": self.source_currency,
            "targetCurrency": self.target_currency,
            "payIn": "BALANCE",
            "payOut": self.pay_out,
            "allowedProfileTypes": ["PERSONAL", "BUSINESS"],
            "payInProduct": "BALANCE",
            "feePercentage": float(round(self.fee / self.source_amount, 4)) if self.source_amount else 0.0,
        }
        answer: dict[str, Any] = {
            "id": self.id,
            "sourceCurrency": self.source_currency,
            "targetCurrency": self.target_currency,
            "sourceAmount": amount(self.source_amount),
            "targetAmount": amount(self.target_amount),
            "payOut": self.pay_out,
            "preferredPayIn": "BALANCE",
            "rate": float(self.rate),
            "createdTime": iso_z(created),
            "user": self.user,
            "profile": self.profile,
            "rateType": "FIXED",
            "rateExpirationTime": iso_z(expires),
            "providedAmountType": self.provided_amount_type,
            "paymentOptions": [option],
            "status": self.status,
            "expirationTime": iso_z(expires),
            "notices": [],
        }
        if self.target_account is not None:
            answer["targetAccount"] = self.target_account
        return answer


@dataclass
class Recipient:
    id: int
    profile: int
    user: int
    currency: str
    type: str
    account_holder_name: str
    country: str | None
    details: dict[str, Any]
    owned_by_customer: bool = False
    active: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "business": self.profile,
            "profile": self.profile,
            "accountHolderName": self.account_holder_name,
            "currency": self.currency,
            "country": self.country,
            "type": self.type,
            "details": dict(self.details),
            "user": self.user,
            "active": self.active,
            "ownedByCustomer": self.owned_by_customer,
        }


@dataclass
class Transfer:
    id: int
    profile: int
    user: int
    target_account: int
    quote: Quote
    customer_transaction_id: str
    reference: str
    created_at: float
    status: str = WAITING
    funded: bool = False
    #: set when funded while ``bounce_next_transfer`` was on: bounces instead of paying out
    will_bounce: bool = False
    #: every state with the virtual second it was entered
    history: list[tuple[str, float]] = field(default_factory=list)

    def to_json(self, clock: VirtualClock) -> dict[str, Any]:
        return {
            "id": self.id,
            "user": self.user,
            "targetAccount": self.target_account,
            "sourceAccount": None,
            "quote": None,
            "quoteUuid": self.quote.id,
            "status": self.status,
            "reference": self.reference,
            "rate": float(self.quote.rate),
            "created": wise_datetime(clock.wallclock(self.created_at)),
            "business": self.profile,
            "transferRequest": None,
            "details": {"reference": self.reference},
            "hasActiveIssues": False,
            "sourceCurrency": self.quote.source_currency,
            "sourceValue": amount(self.quote.source_amount),
            "targetCurrency": self.quote.target_currency,
            "targetValue": amount(self.quote.target_amount),
            "customerTransactionId": self.customer_transaction_id,
        }

    def inspection(self, clock: VirtualClock) -> dict[str, Any]:
        """What ``GET /_control/transfers`` adds to the API's view."""
        pending = clock.pending(str(self.id))
        return {
            **self.to_json(clock),
            "funded": self.funded,
            "will_bounce": self.will_bounce,
            "history": [{"state": s, "at": iso_z(clock.wallclock(t))} for s, t in self.history],
            "next_step_at": iso_z(clock.wallclock(pending[0].due)) if pending else None,
        }
