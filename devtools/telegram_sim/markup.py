"""What the markup parsers share: their error, Telegram's ways of counting, and the
collector that turns marked-up text into plain text and entities."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class MarkupError(Exception):
    """Text that the chosen ``parse_mode`` cannot parse (TDLib's wording)."""


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def byte_offset(text: str, index: int) -> int:
    """Where ``text[index]`` starts, in UTF-8 bytes (how Telegram points at markup errors)."""
    return len(text[:index].encode("utf-8"))


@dataclass
class FormattedText:
    """Text with its markup removed, and the entities the markup described."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


class EntityCollector:
    """Builds plain text and entities as a parser walks through marked-up text."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.offset = 0  # UTF-16 units written so far
        self.entities: list[dict[str, Any]] = []

    def write(self, text: str) -> None:
        self.parts.append(text)
        self.offset += utf16_length(text)

    def close(self, kind: str, start: int, **extra: Any) -> None:
        """Record an entity of ``kind`` from UTF-16 offset ``start`` to here (empty ones are dropped)."""
        if self.offset > start:
            self.entities.append({"offset": start, "length": self.offset - start, "type": kind, **extra})

    def result(self) -> FormattedText:
        entities = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return FormattedText("".join(self.parts), entities)
