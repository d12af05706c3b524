"""The commands of the calls callables."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, field_validator

from shared.calls.domain.ivr import VOICE_LANGUAGE
from shared.kernel.errors import InvalidArgument
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


def _amount_cents(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidArgument("amountCents", "must be a positive whole number of minor units (cents)")
    return value


def _reason(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > 500:
        raise InvalidArgument("reason", "must be text of 1 to 500 characters")
    return value.strip()


class RefundCallPaymentCommand(BaseModel):
    callSessionId: DocumentId
    amountCents: Annotated[int | None, BeforeValidator(_amount_cents)] = None
    reason: Annotated[str, BeforeValidator(_reason)]
