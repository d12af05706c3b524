"""Operational settings documents (`settings/*`): defaults in code, the document overrides them."""

from __future__ import annotations

from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, ValidationError

from shared.kernel.errors import FailedPrecondition
from shared.kernel.store import DocumentStore


class SettingsDocument(BaseModel):
    """One `settings/*` document; a malformed one is FAILED_PRECONDITION naming the field."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")
    PATH: ClassVar[str]

    @classmethod
    def from_document(cls, doc: dict[str, Any] | None) -> Self:
        try:
            return cls.model_validate(doc or {})
        except ValidationError as exc:
            raise FailedPrecondition(f"{cls.PATH} is malformed: {exc.errors()[0]['loc']}") from None

    @classmethod
    def read(cls, store: DocumentStore) -> Self:
        return cls.from_document(store.get(cls.PATH))

    def to_document(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True)
