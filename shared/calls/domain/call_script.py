"""What a call does when Twilio asks (rendered to TwiML by the Twilio adapter)."""

from __future__ import annotations

from dataclasses import dataclass

from shared.calls.domain.ivr import Prompt


@dataclass(frozen=True)
class Say:
    prompt: Prompt


@dataclass(frozen=True)
class AskForDigit:
    prompt: Prompt
    action_url: str
    timeout_seconds: int = 10


@dataclass(frozen=True)
class JoinConference:
    name: str
    status_callback: str
    start_on_enter: bool
    end_on_exit: bool
    time_limit_seconds: int


@dataclass(frozen=True)
class HangUp:
    pass


Step = Say | AskForDigit | JoinConference | HangUp


@dataclass(frozen=True)
class CallScript:
    steps: tuple[Step, ...]
