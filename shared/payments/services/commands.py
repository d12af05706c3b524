"""The commands of the payments callables."""

from __future__ import annotations

from pydantic import BaseModel, field_validator

from shared.kernel.fields import CurrencyCode, DocumentId, MajorUnits
from shared.payments.domain.pricing import ServiceType


class CreatePaymentIntentCommand(BaseModel):
    amount: MajorUnits
    currency: CurrencyCode
    serviceType: ServiceType
    providerId: DocumentId
    clientId: DocumentId
    callSessionId: DocumentId

    @field_validator("serviceType", mode="before")
    @classmethod
    def _service_type(cls, value: object) -> ServiceType:
        return ServiceType.parse(value)
