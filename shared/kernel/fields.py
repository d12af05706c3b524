"""Field types shared by every inbound command (callables, task payloads, webhook queries).

Each is an `Annotated` type whose validator raises `InvalidArgument` naming the field, so a model
declares `providerId: DocumentId` and `parse_command` turns the first problem into
INVALID_ARGUMENT for that field.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator, ValidationInfo

from shared.kernel.errors import InvalidArgument
from shared.kernel.money import Currency, parse_major_units
from shared.kernel.phone import country_code, parse_callable_number, parse_mobile_number

_DOCUMENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_PAYMENT_INTENT_ID = re.compile(r"^pi_[A-Za-z0-9_]{1,120}$")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _field(info: ValidationInfo) -> str:
    return info.field_name or "data"


def _document_id(value: object, info: ValidationInfo) -> str:
    if not isinstance(value, str) or not _DOCUMENT_ID.match(value):
        raise InvalidArgument(_field(info), "must be 1-128 letters, digits, '_' or '-'")
    return value


def _payment_intent_id(value: object, info: ValidationInfo) -> str:
    if not isinstance(value, str) or not _PAYMENT_INTENT_ID.match(value):
        raise InvalidArgument(_field(info), "must be a Stripe PaymentIntent id (pi_...)")
    return value


def _request_id(value: object, info: ValidationInfo) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _REQUEST_ID.match(value):
        raise InvalidArgument(_field(info), "must be 1 to 64 letters, digits, '-' or '_'")
    return value


DocumentId = Annotated[str, BeforeValidator(_document_id)]
"""A Firestore document id chosen by a client (uid, session id): 1-128 of [A-Za-z0-9_-]."""
PaymentIntentId = Annotated[str, BeforeValidator(_payment_intent_id)]
CurrencyCode = Annotated[Currency, BeforeValidator(lambda value, info: Currency.parse(value, _field(info)))]
MajorUnits = Annotated[int, BeforeValidator(lambda value, info: parse_major_units(value, _field(info)))]
"""An amount sent in major units ("49.00", 49), kept in minor units."""
CallableNumber = Annotated[str, BeforeValidator(lambda value, info: parse_callable_number(value, _field(info)))]
"""An E.164 number a call can reach (mobile or fixed line)."""
RequestId = Annotated[str | None, BeforeValidator(_request_id)]
"""A client-chosen id of one user action, so that a retry of it is one change."""
MobileNumber = Annotated[str, BeforeValidator(lambda value, info: parse_mobile_number(value, _field(info)))]
"""An E.164 mobile number."""
CountryCode = Annotated[str, BeforeValidator(lambda value, info: country_code(value, _field(info)))]
"""An ISO 3166-1 alpha-2 country code, upper case."""
