"""The payloads of the calls area's Cloud Tasks, validated like every callable's data: the first
problem is INVALID_ARGUMENT naming its field (pydantic is imported with the first task)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, StrictInt, model_validator

from shared.kernel.commands import parse_command
from shared.kernel.errors import InvalidArgument
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
    """`processTwilioCallback`: the stored callback to apply, a call status by `callbackId` alone;
    a conference event also by its session and its id among the session's events (a task
    enqueued before conference events were stored there names a `twilio_callbacks` document)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    callbackId: DocumentId
    callSessionId: DocumentId | None = None
    conferenceEventId: DocumentId | None = None

    @model_validator(mode="after")
    def _both_or_neither(self) -> CallbackTaskPayload:
        if (self.callSessionId is None) != (self.conferenceEventId is None):
            missing = "conferenceEventId" if self.conferenceEventId is None else "callSessionId"
            raise InvalidArgument(missing, "is required with a conference event's session and id")
        return self


def dial_task_payload(data: Any) -> DialTaskPayload:
    return parse_command(DialTaskPayload, data)


def callback_task_payload(data: Any) -> CallbackTaskPayload:
    return parse_command(CallbackTaskPayload, data)
