"""The commands of the calls callables."""

from __future__ import annotations

from pydantic import BaseModel, field_validator

from shared.calls.domain.ivr import VOICE_LANGUAGE
from shared.kernel.fields import CallableNumber, DocumentId, PaymentIntentId
from shared.kernel.phone import parse_callable_number
from shared.payments.domain.pricing import ServiceTypeField


class CreateAndScheduleCallCommand(BaseModel):
    providerId: DocumentId
    clientId: DocumentId
    paymentIntentId: PaymentIntentId
    clientPhone: CallableNumber
    serviceType: ServiceTypeField
    providerPhone: str | None = None
    language: str | None = None

    @field_validator("providerPhone", mode="before")
    @classmethod
    def _provider_phone(cls, value: object) -> str | None:
        return None if value is None else parse_callable_number(value, "providerPhone")

    @field_validator("language", mode="before")
    @classmethod
    def _language(cls, value: object) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or value.strip().lower()[:2] not in VOICE_LANGUAGE:
            raise ValueError(f"must be one of {', '.join(sorted(VOICE_LANGUAGE))}")
        return value.strip().lower()[:2]
