"""Forged webhook calls: the next update's first delivery attempt carries a wrong
``X-Telegram-Bot-Api-Secret-Token`` header, or none, so a test can check that the
backend refuses calls that do not come from Telegram."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

FAULT_KEYS = frozenset({"secret_token", "omit_secret"})


class FaultError(ValueError):
    """A ``POST /_control/faults`` body that does not describe a fault."""


@dataclass(frozen=True)
class SecretFault:
    """``forged_secret``: sent instead of the real secret; ``omit_secret``: no header at all."""

    forged_secret: str | None = None
    omit_secret: bool = False

    @property
    def name(self) -> str:
        return "omitted_secret" if self.omit_secret else "forged_secret"

    def header_value(self) -> str | None:
        """The header value the tampered attempt sends (``None``: no header)."""
        return None if self.omit_secret else self.forged_secret

    def to_json(self) -> dict[str, Any]:
        return {"secret_token": self.forged_secret, "omit_secret": self.omit_secret, "fault": self.name}


def read_fault(body: Any) -> SecretFault | None:
    """The fault a control body asks for; ``None`` when it disarms (``secret_token``
    null and ``omit_secret`` false)."""
    if not isinstance(body, dict):
        raise FaultError("body must be a JSON object")
    unknown = set(body) - FAULT_KEYS
    if unknown:
        raise FaultError(f"unknown fault keys: {sorted(unknown)}; expected secret_token, omit_secret")
    forged = body.get("secret_token")
    omit = body.get("omit_secret", False)
    if not isinstance(omit, bool):
        raise FaultError("omit_secret must be true or false")
    if forged is not None:
        if not isinstance(forged, str) or not forged:
            raise FaultError("secret_token must be a non-empty string or null")
        if not forged.isascii() or not forged.isprintable():
            raise FaultError("secret_token must be printable ASCII (it goes in an HTTP header)")
    if forged is not None and omit:
        raise FaultError("give either secret_token or omit_secret, not both")
    if forged is None and not omit:
        return None
    return SecretFault(forged_secret=forged, omit_secret=omit)


class FaultSwitch:
    """Holds the fault armed for the next update (taken when that update is queued)."""

    def __init__(self) -> None:
        self.armed: SecretFault | None = None

    def take(self) -> SecretFault | None:
        fault, self.armed = self.armed, None
        return fault

    def to_json(self) -> dict[str, Any]:
        return {"armed": self.armed.to_json() if self.armed else None}
