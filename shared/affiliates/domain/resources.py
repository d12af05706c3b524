"""Marketing resources admins prepare for affiliates (texts, banners, links, and ready-made posts
for group admins), per role and language, shown with the affiliate's own codes and links filled
in where the text says `{clientCode}`, `{recruitmentCode}`, `{clientLink}` or `{recruitmentLink}`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

PLACEHOLDERS = ("clientCode", "recruitmentCode", "clientLink", "recruitmentLink")
_PLACEHOLDER = re.compile(r"\{([A-Za-z]+)\}")


class ResourceKind(StrEnum):
    TEXT = "text"
    BANNER = "banner"
    LINK = "link"
    POST = "post"  # a ready-made post for a group admin's group


def unknown_placeholders(text: str) -> list[str]:
    return [name for name in _PLACEHOLDER.findall(text) if name not in PLACEHOLDERS]


def fill(text: str, values: Mapping[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), text)


def affiliate_values(client_code: str, recruitment_code: str, link_base: str) -> dict[str, str]:
    """What the placeholders become for one affiliate (links go through its tracking link)."""
    return {
        "clientCode": client_code,
        "recruitmentCode": recruitment_code,
        "clientLink": f"{link_base}/{client_code}",
        "recruitmentLink": f"{link_base}/{recruitment_code}",
    }


@dataclass(frozen=True)
class Resource:
    resource_id: str
    kind: ResourceKind
    roles: tuple[str, ...]
    language: str
    title: str
    body: str
    image_url: str | None = None
    order: int = 0
    published: bool = True

    def for_affiliate(self, role: str, language: str) -> bool:
        return self.published and role in self.roles and self.language == language

    def shown(self, values: Mapping[str, str]) -> dict[str, Any]:
        return {
            "resourceId": self.resource_id,
            "kind": self.kind.value,
            "language": self.language,
            "title": fill(self.title, values),
            "body": fill(self.body, values),
            "imageUrl": self.image_url,
        }

    def to_document(self) -> dict[str, Any]:
        return {
            "resourceId": self.resource_id,
            "kind": self.kind.value,
            "roles": list(self.roles),
            "language": self.language,
            "title": self.title,
            "body": self.body,
            "imageUrl": self.image_url,
            "order": self.order,
            "published": self.published,
        }

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> Resource:
        return cls(
            resource_id=str(doc["resourceId"]),
            kind=ResourceKind(doc["kind"]),
            roles=tuple(doc.get("roles") or ()),
            language=str(doc.get("language") or "en"),
            title=str(doc.get("title") or ""),
            body=str(doc.get("body") or ""),
            image_url=doc.get("imageUrl"),
            order=int(doc.get("order") or 0),
            published=doc.get("published", True) is True,
        )
