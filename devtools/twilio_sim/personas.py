"""Personas: how the phone at a given ``To`` number behaves.

A persona decides whether the callee answers, after how long, what an answering
machine detector would say, which digits it presses at each ``<Gather>`` and
how long it stays in a conference. Built-in personas are keyed by number;
tests can add or override personas at run time through ``/_sim/config``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

OUTCOMES = ("answer", "no-answer", "busy", "failed")
ANSWERED_BY = (
    "human",
    "machine_start",
    "machine_end_beep",
    "machine_end_silence",
    "machine_end_other",
    "fax",
    "unknown",
)


class PersonaError(ValueError):
    """An invalid persona definition."""


@dataclass(frozen=True)
class Persona:
    name: str = "default"
    #: answer | no-answer | busy | failed
    outcome: str = "answer"
    #: virtual seconds of ringing before the outcome (answer, busy, failed).
    ring_seconds: float = 2.0
    #: digits pressed at successive <Gather>s; the last entry repeats once the
    #: list is exhausted. Empty: never presses anything.
    digits: tuple[str, ...] = ("1",)
    #: virtual seconds between the end of the <Gather> prompts and the key press.
    digit_delay: float = 1.0
    #: virtual seconds spent in a conference before hanging up;
    #: ``None`` = stays until the conference ends.
    talk_seconds: float | None = 300.0
    #: hang up this many virtual seconds after answering, wherever the call is.
    hangup_after: float | None = None
    #: what answering machine detection reports (when AMD is requested).
    answered_by: str = "human"
    #: what AMD reports whatever ``answered_by`` and the mode (a misdetection); ``None`` = no mistake.
    amd_reports: str | None = None
    #: virtual seconds AMD needs to decide (MachineDetection=Enable).
    amd_seconds: float = 2.5
    #: for machines with MachineDetection=DetectMessageEnd: greeting length.
    greeting_seconds: float = 12.0
    description: str = ""

    def digits_for(self, gather_index: int) -> str | None:
        if not self.digits:
            return None
        return self.digits[min(gather_index, len(self.digits) - 1)] or None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["digits"] = list(self.digits)
        return data

    def updated(self, changes: dict[str, Any]) -> Persona:
        """A copy with ``changes`` applied, validated."""
        known = {f.name for f in fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise PersonaError(f"unknown persona field(s): {sorted(unknown)}")
        values: dict[str, Any] = dict(changes)
        if "digits" in values:
            raw = values["digits"]
            if raw is None:
                values["digits"] = ()
            elif isinstance(raw, str):
                values["digits"] = (raw,)
            elif isinstance(raw, (list, tuple)) and all(isinstance(d, str) for d in raw):
                values["digits"] = tuple(raw)
            else:
                raise PersonaError("digits must be a string or a list of strings")
        persona = replace(self, **values)
        persona.validate()
        return persona

    def validate(self) -> None:
        if self.outcome not in OUTCOMES:
            raise PersonaError(f"outcome must be one of {OUTCOMES}")
        if self.answered_by not in ANSWERED_BY:
            raise PersonaError(f"answered_by must be one of {ANSWERED_BY}")
        if self.amd_reports is not None and self.amd_reports not in ANSWERED_BY:
            raise PersonaError(f"amd_reports must be null or one of {ANSWERED_BY}")
        for name in ("ring_seconds", "digit_delay", "amd_seconds", "greeting_seconds"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or value < 0:
                raise PersonaError(f"{name} must be a number >= 0")
        for name in ("talk_seconds", "hangup_after"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, (int, float)) or value < 0):
                raise PersonaError(f"{name} must be null or a number >= 0")


DEFAULT = Persona(
    name="default",
    description="answers after 2 s, presses 1, talks 5 minutes then hangs up",
)

BUILTIN: dict[str, Persona] = {
    "+33600000001": replace(
        DEFAULT,
        name="accepts-and-stays",
        talk_seconds=None,
        description="answers after 2 s, presses 1, stays until the conference ends",
    ),
    "+33600000002": replace(
        DEFAULT,
        name="never-answers",
        outcome="no-answer",
        description="rings until the call's Timeout: no-answer",
    ),
    "+33600000003": replace(
        DEFAULT,
        name="voicemail",
        ring_seconds=6.0,
        digits=(),
        answered_by="machine_end_beep",
        talk_seconds=120.0,
        hangup_after=120.0,
        description="voicemail: AMD machine_end_beep, never presses a digit, records up to 120 s",
    ),
    "+33600000004": replace(
        DEFAULT,
        name="declines",
        digits=("2",),
        description="answers after 2 s and presses 2 (declines)",
    ),
    "+33600000005": replace(
        DEFAULT,
        name="short-talk",
        talk_seconds=30.0,
        description="answers, presses 1, hangs up 30 s after joining the conference",
    ),
    "+33600000006": replace(
        DEFAULT,
        name="long-talk",
        talk_seconds=480.0,
        description="answers, presses 1, hangs up 8 minutes after joining",
    ),
    "+33600000007": replace(
        DEFAULT,
        name="busy",
        outcome="busy",
        ring_seconds=1.0,
        description="busy",
    ),
    "+33600000008": replace(
        DEFAULT,
        name="misdetected-human",
        amd_reports="machine_start",
        amd_seconds=1.5,
        talk_seconds=None,
        description="a person AMD labels machine_start (after 1.5 s) who still presses 1 "
        "and stays until the conference ends",
    ),
}


@dataclass
class PersonaBook:
    """Built-in personas plus run-time overrides keyed by E.164 number."""

    overrides: dict[str, Persona] = field(default_factory=dict)

    def lookup(self, number: str) -> Persona:
        if number in self.overrides:
            return self.overrides[number]
        if number in BUILTIN:
            return BUILTIN[number]
        return self.overrides.get("*", DEFAULT)

    def override(self, number: str, changes: dict[str, Any] | None) -> None:
        """Apply ``changes`` on top of the built-in persona of ``number``.

        ``None`` removes the override. The key ``"*"`` changes the default
        persona used for numbers without a built-in persona.
        """
        if changes is None:
            self.overrides.pop(number, None)
            return
        if not isinstance(changes, dict):
            raise PersonaError("a persona override must be an object or null")
        base = DEFAULT if number == "*" else BUILTIN.get(number, self.lookup("*"))
        changes = {"name": f"custom:{number}", **changes}
        self.overrides[number] = base.updated(changes)

    def clear(self) -> None:
        self.overrides.clear()

    def to_json(self) -> dict[str, Any]:
        table = {number: p.to_json() for number, p in BUILTIN.items()}
        table["*"] = self.lookup("*").to_json()
        table.update({number: p.to_json() for number, p in self.overrides.items()})
        return table
