"""In-memory state of the simulated carrier: calls, conferences, messages."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field
from typing import Any

from devtools.twilio_sim.clock import VirtualClock
from devtools.twilio_sim.personas import Persona

API_VERSION = "2010-04-01"
FINAL_CALL_STATUSES = ("completed", "busy", "no-answer", "failed", "canceled")


def new_sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


class EventLog:
    """Timestamped event list shared by calls, conferences and messages."""

    def __init__(self, clock: VirtualClock) -> None:
        self._clock = clock
        self.entries: list[dict[str, Any]] = []

    def add(self, event_type: str, /, **data: Any) -> dict[str, Any]:
        now = self._clock.now()
        entry = {"type": event_type, "t": round(now, 3), "at": self._clock.timestamp(now)}
        entry.update(data)
        self.entries.append(entry)
        return entry

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.entries if e["type"] == kind]


@dataclass
class Source:
    """Where the next TwiML document comes from."""

    url: str | None = None
    method: str = "POST"
    twiml: str | None = None
    params: dict[str, str] = field(default_factory=dict)


@dataclass
class Call:
    sid: str
    account_sid: str
    to: str
    from_: str
    source: Source
    persona: Persona
    log: EventLog
    created_at: float
    status_callback: str | None = None
    status_callback_method: str = "POST"
    status_callback_events: tuple[str, ...] = ("completed",)
    machine_detection: str | None = None
    async_amd: bool = False
    async_amd_callback: str | None = None
    async_amd_callback_method: str = "POST"
    timeout: int = 60
    status: str = "queued"
    updated_at: float = 0.0
    started_at: float | None = None
    answered_at: float | None = None
    ended_at: float | None = None
    answered_by: str | None = None
    amd_duration_ms: int | None = None
    #: fixed when the call ends (see pricing.py); shown ``price_delay_seconds`` later
    price: str | None = None
    price_unit: str | None = None
    sequence: int = 0
    gathers: int = 0
    conference_sid: str | None = None
    #: set by REST update / persona hang-up before the TwiML runner is cancelled
    interrupt: tuple[str, Any] | None = None
    task: asyncio.Task[None] | None = None
    runner: asyncio.Task[Any] | None = None
    timers: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def final(self) -> bool:
        return self.status in FINAL_CALL_STATUSES

    @property
    def duration(self) -> int:
        """Seconds between answer and hang-up (Twilio's CallDuration)."""
        if self.answered_at is None or self.ended_at is None:
            return 0
        return max(0, round(self.ended_at - self.answered_at))

    def base_params(self) -> dict[str, str]:
        """Parameters Twilio sends with every voice webhook."""
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "CallSid": self.sid,
            "CallStatus": self.status,
            "Called": self.to,
            "Caller": self.from_,
            "Direction": "outbound-api",
            "From": self.from_,
            "To": self.to,
        }
        if self.answered_by is not None:
            params["AnsweredBy"] = self.answered_by
        return params


@dataclass
class Participant:
    call: Call
    conference_sid: str
    joined_at: float
    start_conference_on_enter: bool = True
    end_conference_on_exit: bool = False
    muted: bool = False
    hold: bool = False
    beep: str = "true"
    label: str | None = None
    status: str = "connected"
    left: asyncio.Future[str] | None = None
    updated_at: float = 0.0


@dataclass
class Conference:
    sid: str
    account_sid: str
    friendly_name: str
    log: EventLog
    created_at: float
    updated_at: float
    status: str = "init"
    status_callback: str | None = None
    status_callback_method: str = "POST"
    status_callback_events: tuple[str, ...] = ()
    participants: dict[str, Participant] = field(default_factory=dict)
    sequence: int = 0
    started_at: float | None = None
    ended_at: float | None = None
    reason_ended: str | None = None
    call_sid_ending: str | None = None
    all_call_sids: list[str] = field(default_factory=list)


@dataclass
class Message:
    sid: str
    account_sid: str
    to: str
    from_: str | None
    messaging_service_sid: str | None
    body: str
    log: EventLog
    created_at: float
    status: str = "queued"
    updated_at: float = 0.0
    sent_at: float | None = None
    status_callback: str | None = None
    task: asyncio.Task[None] | None = None
