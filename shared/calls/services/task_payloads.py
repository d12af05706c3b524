"""The payloads of the calls area's Cloud Tasks, validated like every callable's data: the first
problem is INVALID_ARGUMENT naming its field (pydantic is imported with the first task)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, StrictInt

from shared.kernel.commands import parse_command
from shared.kernel.fields import DocumentId

MAX_DIAL_ATTEMPT = 10


class DialTaskPayload(BaseModel):
    """`executeScheduledCall`: which party of which session to dial, and the attempt's number.
    A task enqueued before the field was named `callSessionId` carries `sessionId`."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    callSessionId: DocumentId = Field(validation_alias=AliasChoices("callSessionId", "sessionId"))
    party: Literal["provider", "client"] = "provider"
    attempt: StrictInt = Field(default=1, ge=1, le=MAX_DIAL_ATTEMPT)


class CallbackTaskPayload(BaseModel):
    """`processTwilioCallback`: the stored callback to apply (`twilio_callbacks/{callbackId}`)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    callbackId: DocumentId


def dial_task_payload(data: Any) -> DialTaskPayload:
    return parse_command(DialTaskPayload, data)


def callback_task_payload(data: Any) -> CallbackTaskPayload:
    return parse_command(CallbackTaskPayload, data)
