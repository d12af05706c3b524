"""The commands of the payments callables."""

from __future__ import annotations

from pydantic import BaseModel

from shared.kernel.fields import CurrencyCode, DocumentId, MajorUnits
from shared.payments.domain.pricing import ServiceTypeField


class CreatePaymentIntentCommand(BaseModel):
    amount: MajorUnits
    currency: CurrencyCode
    serviceType: ServiceTypeField
    providerId: DocumentId
    clientId: DocumentId
    callSessionId: DocumentId
