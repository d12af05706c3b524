"""TwiML parsing: a document becomes a list of :class:`Verb` nodes."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

VOICE_VERBS = frozenset(
    {
        "Say",
        "Play",
        "Pause",
        "Gather",
        "Dial",
        "Hangup",
        "Redirect",
        "Reject",
        "Record",
        "Enqueue",
        "Leave",
        "Connect",
        "Start",
        "Stop",
        "Refer",
        "Pay",
        "Sms",
        "Echo",
        "Queue",
    }
)

#: Twilio's wording when a call's TwiML cannot be used.
APPLICATION_ERROR = "We are sorry, an application error has occurred. Goodbye."


class TwimlError(ValueError):
    """The document is not usable TwiML (Twilio error 12100)."""


@dataclass
class Verb:
    name: str
    attrs: dict[str, str] = field(default_factory=dict)
    text: str = ""
    children: list[Verb] = field(default_factory=list)

    def attr(self, name: str, default: str = "") -> str:
        return self.attrs.get(name, default)

    def flag(self, name: str, default: bool) -> bool:
        value = self.attrs.get(name)
        if value is None:
            return default
        return value.strip().lower() == "true"

    def number(self, name: str, default: float) -> float:
        try:
            return float(self.attrs[name])
        except (KeyError, ValueError):
            return default

    def describe(self) -> dict[str, object]:
        data: dict[str, object] = {"verb": self.name, "attrs": dict(self.attrs)}
        if self.text:
            data["text"] = self.text
        if self.children:
            data["children"] = [c.describe() for c in self.children]
        return data


def parse(document: str) -> list[Verb]:
    """Parse a TwiML ``<Response>`` into verbs; raise :class:`TwimlError`."""
    text = document.strip()
    if not text:
        raise TwimlError("empty document")
    try:
        root = ET.fromstring(text.encode("utf-8"))
    except ET.ParseError as exc:
        raise TwimlError(f"document parse failure: {exc}") from exc
    if _local(root.tag) != "Response":
        raise TwimlError(f"root element must be <Response>, got <{_local(root.tag)}>")
    return [_convert(el) for el in root]


def _convert(element: ET.Element) -> Verb:
    return Verb(
        name=_local(element.tag),
        attrs={_local(k): v for k, v in element.attrib.items()},
        text=(element.text or "").strip(),
        children=[_convert(child) for child in element],
    )


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def speech_seconds(text: str) -> float:
    """Rough time needed to read ``text`` aloud (150 words a minute)."""
    return max(1.0, len(text.split()) / 2.5)
