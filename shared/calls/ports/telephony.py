"""Telephony port: outbound calls with answering-machine detection, hang-up, SMS."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class DialRequest:
    to: str  # E.164, decrypted only for this call
    answer_url: str  # TwiML fetched when the callee answers
    status_callback: str
    amd_callback: str
    timeout_seconds: int = 30


@dataclass(frozen=True)
class CallRecord:
    """Twilio's own record of a call: its status and when it was answered and ended."""

    status: str  # queued, ringing, in-progress, completed, busy, no-answer, failed, canceled
    started_at: datetime | None
    ended_at: datetime | None

    @property
    def final(self) -> bool:
        return self.status in ("completed", "busy", "no-answer", "failed", "canceled")


@dataclass(frozen=True)
class CallCost:
    """What the provider billed for one call, in millionths of its `currency` (Twilio's
    `price_unit`, lower-case)."""

    micros: int
    currency: str


class TelephonyError(Exception):
    """The telephony provider failed or refused; `retryable` tells whether to try again (an
    outage: 5xx, 429, timeouts) or not (a refusal of this request, e.g. Twilio 21215 for a
    number the account may not call); `code` is the provider's error code when it gave one."""

    def __init__(self, message: str, *, retryable: bool, code: int | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.code = code


class Telephony(ABC):
    @abstractmethod
    def place_call(self, request: DialRequest) -> str:
        """Start an outbound call; returns the provider's call id (Twilio CallSid)."""

    @abstractmethod
    def hang_up(self, call_sid: str) -> None:
        """End a call in progress (or cancel one still ringing)."""

    @abstractmethod
    def call_cost(self, call_sid: str) -> CallCost | None:
        """What the provider billed for the call: 0 for a call that never connected, None while
        a connected call is not priced yet."""

    @abstractmethod
    def call_record(self, call_sid: str) -> CallRecord:
        """The call as the provider recorded it (status, start and end times)."""

    @abstractmethod
    def send_sms(self, to: str, body: str) -> str:
        """Send a text message; returns the message id."""
