"""Inbound commands: parsing untrusted callable data into typed, validated values."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError, field_validator

from shared.domain.errors import InvalidArgument, PermissionDenied, Unauthenticated
from shared.domain.ivr import VOICE_LANGUAGE
from shared.domain.money import Currency, parse_major_units
from shared.domain.phone import parse_callable_number
from shared.domain.pricing import ServiceType

_DOC_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Caller:
    """The authenticated user behind a callable request (from the verified ID token)."""

    uid: str
    claims: dict[str, Any]

    @property
    def is_admin(self) -> bool:
        return self.claims.get("admin") is True


def require_caller(caller: Caller | None) -> Caller:
    if caller is None:
        raise Unauthenticated("sign in first: this function requires an authenticated user")
    return caller


def require_self_or_admin(caller: Caller, field: str, uid: str) -> None:
    if caller.uid != uid and not caller.is_admin:
        raise PermissionDenied(f"{field} must be the signed-in user")


def require_client(caller: Caller) -> None:
    """Only a client account (the server-set `role` claim) books calls; admins may act for one."""
    if caller.claims.get("role") != "client" and not caller.is_admin:
        raise PermissionDenied("only a client account can book a call")


def require_other_party(provider_id: str, client_id: str) -> None:
    if provider_id == client_id:
        raise InvalidArgument("providerId", "cannot be your own account: a provider cannot book themselves")


def parse_command(model: type[M], data: Any) -> M:
    """Validate `data` against `model`; the first problem becomes INVALID_ARGUMENT naming it.

    Field validators may call the domain parsers directly: their InvalidArgument (not a
    ValueError) passes through pydantic unchanged, field name included."""
    if not isinstance(data, dict):
        raise InvalidArgument("data", "must be an object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or "data"
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "missing":
            message = "is required"
        raise InvalidArgument(field, message) from None


def _document_id(value: object) -> str:
    if not isinstance(value, str) or not _DOC_ID.match(value):
        raise ValueError("must be 1-128 letters, digits, '_' or '-'")
    return value


class CreatePaymentIntentCommand(BaseModel):
    amount: int  # minor units, parsed from major units
    currency: Currency
    serviceType: ServiceType
    providerId: str
    clientId: str
    callSessionId: str

    @field_validator("amount", mode="before")
    @classmethod
    def _amount(cls, value: object) -> int:
        return parse_major_units(value, "amount")

    @field_validator("currency", mode="before")
    @classmethod
    def _currency(cls, value: object) -> Currency:
        return Currency.parse(value)

    @field_validator("serviceType", mode="before")
    @classmethod
    def _service_type(cls, value: object) -> ServiceType:
        return ServiceType.parse(value)

    @field_validator("providerId", "clientId", "callSessionId", mode="before")
    @classmethod
    def _ids(cls, value: object) -> str:
        return _document_id(value)


_PAYMENT_INTENT_ID = re.compile(r"^pi_[A-Za-z0-9_]{1,120}$")


class CreateAndScheduleCallCommand(BaseModel):
    providerId: str
    clientId: str
    paymentIntentId: str
    clientPhone: str
    serviceType: ServiceType
    providerPhone: str | None = None
    language: str | None = None

    @field_validator("providerId", "clientId", mode="before")
    @classmethod
    def _ids(cls, value: object) -> str:
        return _document_id(value)

    @field_validator("paymentIntentId", mode="before")
    @classmethod
    def _payment_intent(cls, value: object) -> str:
        if not isinstance(value, str) or not _PAYMENT_INTENT_ID.match(value):
            raise ValueError("must be a Stripe PaymentIntent id (pi_...)")
        return value

    @field_validator("clientPhone", mode="before")
    @classmethod
    def _client_phone(cls, value: object) -> str:
        return _phone(value, "clientPhone")

    @field_validator("providerPhone", mode="before")
    @classmethod
    def _provider_phone(cls, value: object) -> str | None:
        return None if value is None else _phone(value, "providerPhone")

    @field_validator("serviceType", mode="before")
    @classmethod
    def _service_type(cls, value: object) -> ServiceType:
        return ServiceType.parse(value)

    @field_validator("language", mode="before")
    @classmethod
    def _language(cls, value: object) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or value.strip().lower()[:2] not in VOICE_LANGUAGE:
            raise ValueError(f"must be one of {', '.join(sorted(VOICE_LANGUAGE))}")
        return value.strip().lower()[:2]


def _phone(value: object, field: str) -> str:
    return parse_callable_number(value, field)
