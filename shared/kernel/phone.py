"""E.164 phone numbers (parsed and validated with Google's libphonenumber port)."""

from __future__ import annotations

import phonenumbers

from shared.kernel.errors import InvalidArgument


def parse_e164(raw: object, field: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidArgument(field, "must be a phone number in E.164 format, e.g. +33612345678")
    text = raw.strip()
    if not text.startswith("+"):
        raise InvalidArgument(field, "must be in E.164 format and start with '+' and the country code")
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        raise InvalidArgument(field, "is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidArgument(field, "is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_ANSWERED_BY_A_PERSON = frozenset(
    {
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    }
)


def parse_callable_number(raw: object, field: str) -> str:
    """An E.164 number the platform may dial: one a person answers (mobile or fixed line).
    Premium-rate, shared-cost, toll-free, pager, UAN, voicemail and other numbers are refused
    (toll fraud: the platform pays for the calls it places)."""
    e164 = parse_e164(raw, field)
    kind = phonenumbers.number_type(phonenumbers.parse(e164, None))
    if kind not in _ANSWERED_BY_A_PERSON:
        raise InvalidArgument(
            field,
            "must be a mobile or fixed-line number (premium-rate, toll-free, shared-cost "
            "and similar numbers cannot be called)",
        )
    return e164


_MOBILE = frozenset({phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE})


def parse_mobile_number(raw: object, field: str) -> str:
    """An E.164 mobile number (a provider's, which the platform calls and texts)."""
    e164 = parse_e164(raw, field)
    if phonenumbers.number_type(phonenumbers.parse(e164, None)) not in _MOBILE:
        raise InvalidArgument(field, "must be a mobile number")
    return e164


def country_code(raw: object, field: str) -> str:
    """An ISO 3166-1 alpha-2 country code of a region with telephone numbering (e.g. FR)."""
    if not isinstance(raw, str) or raw.strip().upper() not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidArgument(field, "must be an ISO 3166-1 alpha-2 country code, e.g. FR")
    return raw.strip().upper()


def masked(e164: str) -> str:
    """For logs and messages: never more than the last two digits."""
    return f"{e164[:3]}•••••{e164[-2:]}" if len(e164) > 5 else "•••"
