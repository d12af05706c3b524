"""Checks of ``POST /v1/payments/payouts`` bodies, as PayPal refuses them.

Every problem found is reported at once as a ``VALIDATION_ERROR`` detail
(``items[3].amount.value`` ...). Field limits follow PayPal's Payouts v1
reference: 1 to 15,000 items, ``sender_batch_id`` ≤ 256 characters,
``sender_item_id`` ≤ 63, ``email_subject`` ≤ 255, ``note`` ≤ 4,000, an amount a
*string* with at most 7 integer digits and exactly the currency's number of
decimals (or none), a receiver matching its ``recipient_type``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from devtools.paypal_sim.errors import MISSING, Issue

MAX_ITEMS = 15000
#: currencies PayPal Payouts accepts, with their number of decimals
CURRENCY_DECIMALS = {
    "AUD": 2, "BRL": 2, "CAD": 2, "CNY": 2, "CZK": 2, "DKK": 2, "EUR": 2, "HKD": 2,
    "HUF": 0, "ILS": 2, "JPY": 0, "MYR": 2, "MXN": 2, "TWD": 0, "NZD": 2, "NOK": 2,
    "PHP": 2, "PLN": 2, "GBP": 2, "SGD": 2, "SEK": 2, "CHF": 2, "THB": 2, "USD": 2,
}  # fmt: skip
RECIPIENT_TYPES = ("EMAIL", "PHONE", "PAYPAL_ID")
RECIPIENT_WALLETS = ("PAYPAL", "VENMO", "RECIPIENT_SELECTED")
AMOUNT_ISSUE = (
    "Currency amount must be non-negative number, may optionally contain exactly {places} decimal places "
    "separated by '.', optional thousands separator ',', limited to 7 digits before the decimal point "
    "and currency which is a valid ISO Currency Code"
)
RECEIVER_ISSUE = "Receiver is invalid or does not match with type"
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")
_PHONE = re.compile(r"^\+?[0-9]{7,15}$")
_PAYPAL_ID = re.compile(r"^[A-Z0-9]{13}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def _size(low: int, high: int) -> str:
    return f"size must be between {low} and {high}"


@dataclass
class ItemRequest:
    recipient_type: str
    value: str
    currency: str
    receiver: str
    sender_item_id: str | None = None
    note: str | None = None
    recipient_wallet: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class PayoutRequest:
    sender_batch_header: dict[str, Any]
    items: list[ItemRequest]

    @property
    def sender_batch_id(self) -> str | None:
        value = self.sender_batch_header.get("sender_batch_id")
        return value if isinstance(value, str) else None


def amount_valid(value: Any, currency: str) -> bool:
    """``"60.00"``-style strings: digits (thousands may be grouped with ','), then
    exactly the currency's decimals or none; more than zero; ≤ 7 integer digits."""
    if not isinstance(value, str):
        return False
    places = CURRENCY_DECIMALS.get(currency, 2)
    fraction = rf"(\.\d{{{places}}})?" if places else ""
    if not re.fullmatch(rf"(\d{{1,7}}|\d{{1,3}}(,\d{{3}}){{1,2}}){fraction}", value):
        return False
    integer = value.split(".")[0].replace(",", "")
    return len(integer) <= 7 and Decimal(value.replace(",", "")) > 0


def _text(issues: list[Issue], where: str, value: Any, high: int, required: bool = False) -> str | None:
    if value is None:
        if required:
            issues.append(Issue(where, MISSING))
        return None
    if not isinstance(value, str):
        issues.append(Issue(where, "must be a string"))
        return None
    if len(value) > high or (required and not value):
        issues.append(Issue(where, _size(1 if required else 0, high)))
    return value


def _receiver_valid(kind: str, receiver: str) -> bool:
    if kind == "EMAIL":
        return len(receiver) <= 127 and bool(_EMAIL.match(receiver))
    if kind == "PHONE":
        return bool(_PHONE.match(receiver))
    return bool(_PAYPAL_ID.match(receiver))


def _item(issues: list[Issue], index: int, raw: Any, default_type: str | None) -> ItemRequest | None:
    where = f"items[{index}]"
    if not isinstance(raw, dict):
        issues.append(Issue(where, MISSING if raw is None else "must be an object"))
        return None
    before = len(issues)
    kind = raw.get("recipient_type", default_type)
    if kind is None:
        issues.append(Issue(f"{where}.recipient_type", MISSING))
    elif kind not in RECIPIENT_TYPES:
        issues.append(Issue(f"{where}.recipient_type", f"must be one of {', '.join(RECIPIENT_TYPES)}"))
    amount = raw.get("amount")
    value: Any = None
    currency: Any = None
    if not isinstance(amount, dict):
        issues.append(Issue(f"{where}.amount", MISSING if amount is None else "must be an object"))
    else:
        currency = amount.get("currency")
        if currency is None:
            issues.append(Issue(f"{where}.amount.currency", MISSING))
        elif not isinstance(currency, str) or not _CURRENCY.match(currency) or currency not in CURRENCY_DECIMALS:
            issues.append(Issue(f"{where}.amount.currency", "Currency code is invalid or is not currently supported"))
        value = amount.get("value")
        if value is None:
            issues.append(Issue(f"{where}.amount.value", MISSING))
        elif isinstance(currency, str) and not amount_valid(value, currency):
            places = CURRENCY_DECIMALS.get(currency, 2)
            issues.append(Issue(f"{where}.amount.value", AMOUNT_ISSUE.format(places=places)))
    receiver = _text(issues, f"{where}.receiver", raw.get("receiver"), 127, required=True)
    if receiver and kind in RECIPIENT_TYPES and not _receiver_valid(kind, receiver):
        issues.append(Issue(f"{where}.receiver", RECEIVER_ISSUE))
    sender_item_id = _text(issues, f"{where}.sender_item_id", raw.get("sender_item_id"), 63)
    note = _text(issues, f"{where}.note", raw.get("note"), 4000)
    wallet = raw.get("recipient_wallet")
    if wallet is not None and wallet not in RECIPIENT_WALLETS:
        issues.append(Issue(f"{where}.recipient_wallet", f"must be one of {', '.join(RECIPIENT_WALLETS)}"))
    if len(issues) > before:
        return None
    known = {"recipient_type", "amount", "receiver", "sender_item_id", "note", "recipient_wallet"}
    return ItemRequest(
        recipient_type=str(kind),
        value=str(value),
        currency=str(currency),
        receiver=str(receiver),
        sender_item_id=sender_item_id,
        note=note,
        recipient_wallet=wallet,
        extra={k: v for k, v in raw.items() if k not in known},
    )


def check_payout(body: Any) -> tuple[PayoutRequest | None, list[Issue]]:
    """The parsed request, or the issues that make PayPal refuse it."""
    if not isinstance(body, dict):
        return None, [Issue("sender_batch_header", MISSING), Issue("items", MISSING)]
    issues: list[Issue] = []
    header = body.get("sender_batch_header")
    default_type: str | None = None
    if not isinstance(header, dict):
        issues.append(Issue("sender_batch_header", MISSING if header is None else "must be an object"))
        header = {}
    else:
        _text(issues, "sender_batch_header.sender_batch_id", header.get("sender_batch_id"), 256)
        _text(issues, "sender_batch_header.email_subject", header.get("email_subject"), 255)
        _text(issues, "sender_batch_header.email_message", header.get("email_message"), 1000)
        default_type = header.get("recipient_type")
        if default_type is not None and default_type not in RECIPIENT_TYPES:
            issues.append(Issue("sender_batch_header.recipient_type", f"must be one of {', '.join(RECIPIENT_TYPES)}"))
            default_type = None
    raw_items = body.get("items")
    items: list[ItemRequest] = []
    if not isinstance(raw_items, list):
        issues.append(Issue("items", MISSING if raw_items is None else "must be an array"))
    elif not 1 <= len(raw_items) <= MAX_ITEMS:
        issues.append(Issue("items", _size(1, MAX_ITEMS)))
    else:
        for index, raw in enumerate(raw_items):
            item = _item(issues, index, raw, default_type)
            if item is not None:
                items.append(item)
    if issues:
        return None, issues
    return PayoutRequest(sender_batch_header=dict(header), items=items), []


def duplicate_sender_item_ids(request: PayoutRequest) -> bool:
    """Whether two items of the batch share a ``sender_item_id`` (PayPal's DUPLICATE_ITEM)."""
    ids = [item.sender_item_id for item in request.items if item.sender_item_id]
    return len(ids) != len(set(ids))
