"""The withdrawal callables' input. Method details are checked as the payment rails would: a
PayPal e-mail; a Wise recipient (holder, IBAN, target currency); a bank transfer's IBAN (its
check digits) and BIC. schwifty (IBAN/BIC registry) is imported only when a request needs it."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, StrictInt, ValidationInfo, model_validator

from shared.kernel.errors import InvalidArgument
from shared.kernel.fields import DocumentId, RequestId
from shared.payouts.domain.provider_earnings import PROVIDER_CURRENCIES
from shared.payouts.domain.withdrawal import MIN_WITHDRAWAL_CENTS, WithdrawalMethod, WithdrawalStatus

MAX_WITHDRAWAL_CENTS = 10_000_00
# Wise pays an IBAN in these currencies (its `iban` recipient type)
WISE_CURRENCIES = ("eur", "gbp", "chf", "dkk", "nok", "pln", "sek")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[A-Za-z]{2,}$")


def _choice(kind: type[WithdrawalMethod] | type[WithdrawalStatus]) -> BeforeValidator:
    def parse(value: object, info: ValidationInfo) -> str:
        choices = [k.value for k in kind]
        if not isinstance(value, str) or value.strip().lower() not in choices:
            raise InvalidArgument(info.field_name or "data", f"must be one of {', '.join(choices)}")
        return value.strip().lower()

    return BeforeValidator(parse)


def _currency(value: object) -> str:
    if not isinstance(value, str) or value.strip().lower() not in PROVIDER_CURRENCIES:
        raise InvalidArgument("currency", f"must be one of {', '.join(PROVIDER_CURRENCIES)}")
    return value.strip().lower()


def _text(details: dict[str, Any], name: str, max_length: int) -> str:
    value = details.get(name)
    text = " ".join(value.split()) if isinstance(value, str) else ""
    if not text or len(text) > max_length:
        raise InvalidArgument(f"details.{name}", f"must be non-empty text of at most {max_length} characters")
    return text


def _iban(details: dict[str, Any]) -> str:
    from schwifty import IBAN

    try:
        return str(IBAN(str(details.get("iban") or "")).compact)
    except ValueError as exc:
        raise InvalidArgument("details.iban", f"is not a valid IBAN ({exc})") from None


def _bic(details: dict[str, Any], iban: str) -> str:
    from schwifty import BIC

    try:
        bic = BIC(str(details.get("bic") or ""))
    except ValueError as exc:
        raise InvalidArgument("details.bic", f"is not a valid BIC ({exc})") from None
    if bic.country_code != iban[:2]:
        raise InvalidArgument("details.bic", f"is a bank in {bic.country_code}, the IBAN's is in {iban[:2]}")
    return str(bic.compact)


def method_details(method: WithdrawalMethod, details: object) -> dict[str, Any]:
    """The details a method needs, normalised; INVALID_ARGUMENT naming `details.<field>`."""
    if not isinstance(details, dict):
        raise InvalidArgument("details", "must be an object with the method's fields")
    allowed = {WithdrawalMethod.PAYPAL: {"email"}, WithdrawalMethod.WISE: {"accountHolderName", "iban", "currency"}}
    allowed[WithdrawalMethod.BANK] = {"accountHolderName", "iban", "bic"}
    extra = sorted(set(details) - allowed[method])
    if extra:
        raise InvalidArgument(f"details.{extra[0]}", f"is not a {method.value} field")
    if method is WithdrawalMethod.PAYPAL:
        email = details.get("email")
        if not isinstance(email, str) or not _EMAIL.match(email.strip()):
            raise InvalidArgument("details.email", "must be the e-mail address of a PayPal account")
        return {"email": email.strip().lower()}
    holder = _text(details, "accountHolderName", 140)
    iban = _iban(details)
    if method is WithdrawalMethod.WISE:
        currency = str(details.get("currency") or "").lower()
        if currency not in WISE_CURRENCIES:
            raise InvalidArgument("details.currency", f"must be one of {', '.join(WISE_CURRENCIES)}")
        return {"accountHolderName": holder, "iban": iban, "currency": currency}
    return {"accountHolderName": holder, "iban": iban, "bic": _bic(details, iban)}


class RequestWithdrawalCommand(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amountCents: StrictInt
    method: Annotated[str, _choice(WithdrawalMethod)]
    details: dict[str, Any]
    currency: Annotated[str, BeforeValidator(_currency)] = "usd"
    requestId: RequestId = None

    @model_validator(mode="after")
    def _checked(self) -> RequestWithdrawalCommand:
        if not MIN_WITHDRAWAL_CENTS <= self.amountCents <= MAX_WITHDRAWAL_CENTS:
            raise InvalidArgument("amountCents", f"must be between {MIN_WITHDRAWAL_CENTS} and {MAX_WITHDRAWAL_CENTS}")
        self.details = method_details(WithdrawalMethod(self.method), self.details)
        return self


class WithdrawalIdCommand(BaseModel):
    model_config = ConfigDict(extra="forbid")

    withdrawalId: DocumentId


class RejectWithdrawalCommand(WithdrawalIdCommand):
    reason: str

    @model_validator(mode="after")
    def _reason(self) -> RejectWithdrawalCommand:
        if not self.reason.strip() or len(self.reason) > 500:
            raise InvalidArgument("reason", "must say why, in at most 500 characters")
        return self


class ProcessWithdrawalCommand(WithdrawalIdCommand):
    bankReference: str | None = None


class ListWithdrawalsCommand(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Annotated[str, _choice(WithdrawalStatus)] | None = None
