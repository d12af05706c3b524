"""What the simulated business account holds: its profile, balances, quotes, recipients, transfers.

One business profile (the CLI's ``--profile-id``) owned by one user. Ids are integers
counting up from fixed bases (recipients from 70 000 001, transfers from 50 000 001),
quote ids are UUIDs. ``by_customer_transaction_id`` is the idempotency index of
``POST /v1/transfers``.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from devtools.wise_sim.models import Quote, Recipient, Transfer
from devtools.wise_sim.pricing import Price

DEFAULT_BALANCES = {"EUR": Decimal("10000.00"), "USD": Decimal("10000.00"), "GBP": Decimal("10000.00")}
FIRST_RECIPIENT_ID = 70_000_001
FIRST_TRANSFER_ID = 50_000_001
BUSINESS_NAME = "SOS-Expat Local Simulator Ltd"


class Ledger:
    def __init__(self, profile_id: int, user_id: int) -> None:
        self.profile_id = profile_id
        self.user_id = user_id
        self.balances: dict[str, Decimal] = {}
        self.quotes: dict[str, Quote] = {}
        self.recipients: dict[int, Recipient] = {}
        self.transfers: dict[int, Transfer] = {}
        self.by_customer_transaction_id: dict[str, Transfer] = {}
        self._next_recipient = FIRST_RECIPIENT_ID
        self._next_transfer = FIRST_TRANSFER_ID
        self.reset()

    def reset(self) -> None:
        """Back to the start-up state: default balances, no resources, ids from their bases."""
        self.balances = dict(DEFAULT_BALANCES)
        self.quotes.clear()
        self.recipients.clear()
        self.transfers.clear()
        self.by_customer_transaction_id.clear()
        self._next_recipient = FIRST_RECIPIENT_ID
        self._next_transfer = FIRST_TRANSFER_ID

    # -- the profile ----------------------------------------------------------------
    def profile_json(self) -> dict[str, Any]:
        return {
            "id": self.profile_id,
            "type": "business",
            "details": {
                "name": BUSINESS_NAME,
                "registrationNumber": "00000000",
                "acn": None,
                "abn": None,
                "arbn": None,
                "companyType": "LIMITED",
                "companyRole": "OWNER",
                "descriptionOfBusiness": "CONSULTING_IT_BUSINESS_SERVICES",
                "primaryAddress": None,
                "webpage": None,
                "businessCategory": "CONSULTING_IT_BUSINESS_SERVICES",
                "businessSubCategory": None,
            },
        }

    def balance(self, currency: str) -> Decimal:
        return self.balances.get(currency, Decimal("0"))

    def credit(self, currency: str, value: Decimal) -> None:
        """Add ``value`` (negative to debit) to the balance in ``currency``."""
        self.balances[currency] = self.balance(currency) + value

    def balances_json(self) -> list[dict[str, Any]]:
        return [
            {
                "id": self.profile_id * 100 + index,
                "currency": currency,
                "type": "STANDARD",
                "name": None,
                "amount": {"value": float(value), "currency": currency},
                "reservedAmount": {"value": 0.0, "currency": currency},
                "cashAmount": {"value": float(value), "currency": currency},
                "totalWorth": {"value": float(value), "currency": currency},
                "visible": True,
            }
            for index, (currency, value) in enumerate(sorted(self.balances.items()), start=1)
        ]

    # -- creating resources ---------------------------------------------------------------
    def add_quote(
        self,
        source: str,
        target: str,
        priced: Price,
        pay_out: str,
        provided: str,
        at: float,
        target_account: int | None = None,
    ) -> Quote:
        quote = Quote(
            id=str(uuid.uuid4()),
            profile=self.profile_id,
            user=self.user_id,
            source_currency=source,
            target_currency=target,
            source_amount=priced.source_amount,
            target_amount=priced.target_amount,
            fee=priced.fee,
            rate=priced.rate,
            pay_out=pay_out,
            provided_amount_type=provided,
            created_at=at,
            target_account=target_account,
        )
        self.quotes[quote.id] = quote
        return quote

    def add_recipient(self, body: dict[str, Any], country: str | None, details: dict[str, Any]) -> Recipient:
        recipient = Recipient(
            id=self._next_recipient,
            profile=self.profile_id,
            user=self.user_id,
            currency=str(body["currency"]),
            type=str(body["type"]),
            account_holder_name=str(body["accountHolderName"]).strip(),
            country=country,
            details=details,
            owned_by_customer=bool(body.get("ownedByCustomer", False)),
        )
        self._next_recipient += 1
        self.recipients[recipient.id] = recipient
        return recipient

    def add_transfer(self, recipient: Recipient, quote: Quote, ctid: str, reference: str, at: float) -> Transfer:
        transfer = Transfer(
            id=self._next_transfer,
            profile=self.profile_id,
            user=self.user_id,
            target_account=recipient.id,
            quote=quote,
            customer_transaction_id=ctid,
            reference=reference,
            created_at=at,
        )
        transfer.history.append((transfer.status, at))
        self._next_transfer += 1
        self.transfers[transfer.id] = transfer
        self.by_customer_transaction_id[ctid] = transfer
        quote.status = "ACCEPTED"
        return transfer
