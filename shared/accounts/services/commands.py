"""The commands of the accounts callables."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationInfo

from shared.accounts.domain.provider import PayoutMethod, ProviderType
from shared.affiliates.domain.codes import parse_code
from shared.kernel.errors import InvalidArgument
from shared.kernel.fields import CountryCode, DocumentId, MobileNumber

_LANGUAGE = re.compile(r"^[a-z]{2}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[A-Za-z]{2,}$")


def _text(max_length: int, *, required: bool = True) -> BeforeValidator:
    def parse(value: object, info: ValidationInfo) -> str:
        field = info.field_name or "data"
        if not isinstance(value, str):
            raise InvalidArgument(field, "must be text")
        text = " ".join(value.split())
        if required and not text:
            raise InvalidArgument(field, "must not be empty")
        if len(text) > max_length:
            raise InvalidArgument(field, f"must be at most {max_length} characters")
        return text

    return BeforeValidator(parse)


def _texts(max_items: int, max_length: int, *, at_least: int = 0) -> BeforeValidator:
    def parse(value: object, info: ValidationInfo) -> tuple[str, ...]:
        field = info.field_name or "data"
        if not isinstance(value, list) or not at_least <= len(value) <= max_items:
            raise InvalidArgument(field, f"must be a list of {at_least} to {max_items} entries")
        items: list[str] = []
        for item in value:
            if not isinstance(item, str) or not item.strip() or len(item.strip()) > max_length:
                raise InvalidArgument(field, f"each entry must be text of 1 to {max_length} characters")
            if item.strip() not in items:
                items.append(item.strip())
        return tuple(items)

    return BeforeValidator(parse)


def _optional(parser: BeforeValidator) -> BeforeValidator:
    """`parser`, letting an absent (null) value through."""

    def parse(value: object, info: ValidationInfo) -> Any:
        return None if value is None else parser.func(value, info)  # type: ignore[call-arg]

    return BeforeValidator(parse)


def _languages(value: object, info: ValidationInfo) -> tuple[str, ...]:
    if not isinstance(value, list) or not 1 <= len(value) <= 10:
        raise InvalidArgument("languages", "must be a list of 1 to 10 language codes")
    codes: list[str] = []
    for item in value:
        code = item.strip().lower() if isinstance(item, str) else ""
        if not _LANGUAGE.match(code):
            raise InvalidArgument("languages", "each entry must be an ISO 639-1 code, e.g. fr")
        if code not in codes:
            codes.append(code)
    return tuple(codes)


def _choice(kind: type[ProviderType] | type[PayoutMethod]) -> BeforeValidator:
    def parse(value: object, info: ValidationInfo) -> ProviderType | PayoutMethod:
        field = info.field_name or "data"
        choices = {k.value: k for k in kind}
        if not isinstance(value, str) or value not in choices:
            raise InvalidArgument(field, f"must be one of {', '.join(choices)}")
        return choices[value]

    return BeforeValidator(parse)


def _email(value: object, info: ValidationInfo) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _EMAIL.match(value.strip()):
        raise InvalidArgument(info.field_name or "data", "must be an e-mail address")
    return value.strip().lower()


def _affiliate_code(value: object, info: ValidationInfo) -> str:
    return parse_code(value, info.field_name or "affiliateCode")


class RegisterProviderCommand(BaseModel):
    providerType: Annotated[ProviderType, _choice(ProviderType)]
    firstName: Annotated[str, _text(80)]
    lastName: Annotated[str, _text(80)]
    country: CountryCode
    languages: Annotated[tuple[str, ...], BeforeValidator(_languages)]
    phone: MobileNumber
    specialties: Annotated[tuple[str, ...], _texts(20, 80)] = ()
    bio: Annotated[str, _text(3000, required=False)] = ""
    payoutMethod: Annotated[PayoutMethod, _choice(PayoutMethod)]
    paypalEmail: Annotated[str | None, BeforeValidator(_email)] = None
    affiliateCode: Annotated[str | None, _optional(BeforeValidator(_affiliate_code))] = None


class ProviderIdCommand(BaseModel):
    providerId: DocumentId


class ProviderDecisionCommand(BaseModel):
    providerId: DocumentId
    reason: Annotated[str, _text(500)]


def _strict_bool(value: object, info: ValidationInfo) -> bool:
    if not isinstance(value, bool):
        raise InvalidArgument(info.field_name or "data", "must be true or false")
    return value


class AvailabilityCommand(BaseModel):
    available: Annotated[bool, BeforeValidator(_strict_bool)]


class UpdateProviderProfileCommand(BaseModel):
    """The public fields a provider edits itself; at least one. Type, approval, prices and
    availability are not among them, and naming one is refused (not ignored)."""

    model_config = ConfigDict(extra="forbid")

    firstName: Annotated[str | None, _optional(_text(80))] = None
    lastName: Annotated[str | None, _optional(_text(80))] = None
    languages: Annotated[tuple[str, ...] | None, _optional(BeforeValidator(_languages))] = None
    specialties: Annotated[tuple[str, ...] | None, _optional(_texts(20, 80))] = None
    bio: Annotated[str | None, _optional(_text(3000, required=False))] = None


def _language(value: object, info: ValidationInfo) -> str:
    code = value.strip().lower() if isinstance(value, str) else ""
    if not _LANGUAGE.match(code):
        raise InvalidArgument("language", "must be an ISO 639-1 code, e.g. fr")
    return code


class CompleteClientProfileCommand(BaseModel):
    firstName: Annotated[str, _text(80)]
    lastName: Annotated[str, _text(80)]
    country: CountryCode
    language: Annotated[str, BeforeValidator(_language)]
    affiliateCode: Annotated[str | None, _optional(BeforeValidator(_affiliate_code))] = None
