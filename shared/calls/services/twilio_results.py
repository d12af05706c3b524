"""What a Twilio callback asks for once its transaction committed."""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.calls.domain.call_script import CallScript
from shared.calls.domain.call_session import Party


@dataclass
class CallbackResult:
    """What the entrypoint does after the commit: settle, dial next, hang up calls; or come back
    later (`retry_later`: the callback cannot be applied yet, e.g. an event before it is missing)."""

    script: CallScript | None = None
    settle: bool = False
    next_dial: tuple[Party, int] | None = None
    next_dial_delay_seconds: int = 0  # the backoff of the session's rules
    hang_up: list[str] = field(default_factory=list)
    duplicate: bool = False
    retry_later: bool = False
    calls_over_grace_seconds: int | None = None
    """Set by a final call status when both calls of the active session have ended: how long the
    conference events may still come before the call is settled from Twilio's call records."""
