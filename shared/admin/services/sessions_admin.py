"""findCallSession's input: exactly one of a session id, a payment id or a client's e-mail."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.calls.services.session_lookup import find_call_session as lookup
from shared.kernel.fields import DocumentId
from shared.kernel.store import DocumentStore


class FindCallSessionCommand(BaseModel):
    model_config = ConfigDict(extra="forbid")

    callSessionId: DocumentId | None = None
    paymentIntentId: DocumentId | None = None
    clientEmail: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$", max_length=320)


def find_call_session(cmd: FindCallSessionCommand, *, store: DocumentStore) -> dict[str, Any]:
    return lookup(
        store,
        call_session_id=cmd.callSessionId,
        payment_intent_id=cmd.paymentIntentId,
        client_email=cmd.clientEmail,
    )
