"""The query string of our own Twilio callback URLs (`CallbackUrls`), validated."""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from shared.kernel.commands import parse_command
from shared.kernel.errors import InvalidArgument
from shared.kernel.fields import DocumentId


class TwilioQuery(BaseModel):
    """The session a callback is about and, for a call leg, its party and attempt.

    Calls placed before `callSessionId` was the parameter's name carry `sessionId` in their
    URLs for as long as they last: both are read."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    callSessionId: DocumentId = Field(validation_alias=AliasChoices("callSessionId", "sessionId"))
    party: Literal["provider", "client"] | None = None
    attempt: int = Field(default=0, ge=0, le=99)


def parse_twilio_query(args: dict[str, str], *, needs_party: bool) -> TwilioQuery:
    """Raises InvalidArgument naming the first missing or malformed parameter."""
    query = parse_command(TwilioQuery, args)
    if needs_party and (query.party is None or "attempt" not in args):
        raise InvalidArgument("party" if query.party is None else "attempt", "is required for a call leg")
    return query
