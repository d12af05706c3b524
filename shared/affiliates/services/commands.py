"""The commands of the affiliate sign-up callables: the fields every affiliate gives, then each
role's own. Each field's problem is INVALID_ARGUMENT naming it (`parse_command`)."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any, ClassVar
from urllib.parse import urlsplit

from pydantic import BaseModel, BeforeValidator, ValidationInfo

from shared.affiliates.domain.affiliate import AffiliateRole
from shared.affiliates.domain.codes import parse_code
from shared.kernel.errors import InvalidArgument
from shared.kernel.fields import CountryCode
from shared.kernel.phone import parse_mobile_number

MIN_PASSWORD = 8
MAX_PASSWORD = 128
MAX_COUNT = 10_000_000_000  # audiences and groups: more than anyone has
_LANGUAGE = re.compile(r"^[a-z]{2}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[A-Za-z]{2,}$")


class SocialPlatform(StrEnum):
    INSTAGRAM = "instagram"
    TIKTOK = "tiktok"
    YOUTUBE = "youtube"
    X = "x"
    FACEBOOK = "facebook"
    OTHER = "other"


class GroupPlatform(StrEnum):
    FACEBOOK = "facebook"
    WHATSAPP = "whatsapp"
    TELEGRAM = "telegram"
    OTHER = "other"


def _field(info: ValidationInfo) -> str:
    return info.field_name or "data"


def _text(max_length: int) -> BeforeValidator:
    def parse(value: object, info: ValidationInfo) -> str:
        if not isinstance(value, str) or not " ".join(value.split()):
            raise InvalidArgument(_field(info), "must be non-empty text")
        text = " ".join(value.split())
        if len(text) > max_length:
            raise InvalidArgument(_field(info), f"must be at most {max_length} characters")
        return text

    return BeforeValidator(parse)


def _email(value: object, info: ValidationInfo) -> str:
    if not isinstance(value, str) or len(value.strip()) > 254 or not _EMAIL.match(value.strip()):
        raise InvalidArgument(_field(info), "must be an e-mail address")
    return value.strip().lower()


def _password(value: object, info: ValidationInfo) -> str:
    if not isinstance(value, str) or not MIN_PASSWORD <= len(value) <= MAX_PASSWORD:
        raise InvalidArgument(_field(info), f"must be {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    return value


def _language(value: object, info: ValidationInfo) -> str:
    code = value.strip().lower() if isinstance(value, str) else ""
    if not _LANGUAGE.match(code):
        raise InvalidArgument(_field(info), "must be an ISO 639-1 code, e.g. fr")
    return code


Language = Annotated[str, BeforeValidator(_language)]
"""An ISO 639-1 code, lower case."""


def _recruitment_code(value: object, info: ValidationInfo) -> str | None:
    return None if value is None else parse_code(value, _field(info))


def _count(value: object, info: ValidationInfo) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        raise InvalidArgument(_field(info), "must be a whole number, 0 or more")
    return value


def _choice(kind: type[StrEnum]) -> BeforeValidator:
    def parse(value: object, info: ValidationInfo) -> str:
        choices = [k.value for k in kind]
        if not isinstance(value, str) or value.strip().lower() not in choices:
            raise InvalidArgument(_field(info), f"must be one of {', '.join(choices)}")
        return value.strip().lower()

    return BeforeValidator(parse)


def _platforms(value: object, info: ValidationInfo) -> tuple[str, ...]:
    choices = [k.value for k in SocialPlatform]
    if not isinstance(value, list) or not 1 <= len(value) <= len(choices):
        raise InvalidArgument(_field(info), f"must be a list of 1 to {len(choices)} platforms")
    found: list[str] = []
    for item in value:
        name = item.strip().lower() if isinstance(item, str) else ""
        if name not in choices:
            raise InvalidArgument(_field(info), f"each entry must be one of {', '.join(choices)}")
        if name not in found:
            found.append(name)
    return tuple(found)


def _topics(value: object, info: ValidationInfo) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > 20:
        raise InvalidArgument(_field(info), "must be a list of at most 20 topics")
    found: list[str] = []
    for item in value:
        text = " ".join(item.split()) if isinstance(item, str) else ""
        if not 1 <= len(text) <= 80:
            raise InvalidArgument(_field(info), "each entry must be text of 1 to 80 characters")
        if text not in found:
            found.append(text)
    return tuple(found)


def _site_url(value: object, info: ValidationInfo) -> str:
    text = value.strip() if isinstance(value, str) else ""
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
    except ValueError:
        parts, host = None, ""
    if parts is None or parts.scheme != "https" or "." not in host or parts.username or len(text) > 2048:
        raise InvalidArgument(_field(info), "must be an https:// address, e.g. https://example.com")
    if any(char.isspace() for char in text):
        raise InvalidArgument(_field(info), "must be an https:// address, e.g. https://example.com")
    return text


def _mobile(value: object, info: ValidationInfo) -> str | None:
    return None if value is None else parse_mobile_number(value, _field(info))


class AffiliateSignUpCommand(BaseModel):
    """What every affiliate gives; a subclass per role adds its own fields."""

    ROLE: ClassVar[AffiliateRole]

    email: Annotated[str, BeforeValidator(_email)]
    password: Annotated[str, BeforeValidator(_password)]
    firstName: Annotated[str, _text(80)]
    lastName: Annotated[str, _text(80)]
    country: CountryCode
    language: Annotated[str, BeforeValidator(_language)]
    recruitmentCode: Annotated[str | None, BeforeValidator(_recruitment_code)] = None

    def role_fields(self) -> dict[str, Any]:
        """The role's own fields, named as received, as the profile stores them."""
        return {}


class RegisterChatterCommand(AffiliateSignUpCommand):
    ROLE = AffiliateRole.CHATTER

    phone: Annotated[str | None, BeforeValidator(_mobile)] = None

    def role_fields(self) -> dict[str, Any]:
        return {"phone": self.phone}


class RegisterInfluencerCommand(AffiliateSignUpCommand):
    ROLE = AffiliateRole.INFLUENCER

    platforms: Annotated[tuple[str, ...], BeforeValidator(_platforms)]
    audienceSize: Annotated[int, BeforeValidator(_count)]

    def role_fields(self) -> dict[str, Any]:
        return {"platforms": list(self.platforms), "audienceSize": self.audienceSize}


class RegisterBloggerCommand(AffiliateSignUpCommand):
    ROLE = AffiliateRole.BLOGGER

    siteUrl: Annotated[str, BeforeValidator(_site_url)]
    topics: Annotated[tuple[str, ...], BeforeValidator(_topics)] = ()

    def role_fields(self) -> dict[str, Any]:
        return {"siteUrl": self.siteUrl, "topics": list(self.topics)}


class RegisterGroupAdminCommand(AffiliateSignUpCommand):
    ROLE = AffiliateRole.GROUP_ADMIN

    groupName: Annotated[str, _text(120)]
    groupPlatform: Annotated[str, _choice(GroupPlatform)]
    groupSize: Annotated[int, BeforeValidator(_count)]

    def role_fields(self) -> dict[str, Any]:
        return {"groupName": self.groupName, "groupPlatform": self.groupPlatform, "groupSize": self.groupSize}


HttpsUrl = Annotated[str, BeforeValidator(_site_url)]
"""An https:// address (a blog post, a banner image)."""
text_field = _text
"""Non-empty text of at most n characters, inner whitespace collapsed."""
choice_field = _choice
"""One of a StrEnum's values, case-insensitive."""
