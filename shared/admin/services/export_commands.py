"""The export callables' input: `{from, to}`, inclusive UTC days `YYYY-MM-DD`, `from` <= `to`,
at most 92 days; a bad one is INVALID_ARGUMENT naming the field."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, model_validator

from shared.kernel.errors import InvalidArgument

MAX_EXPORT_DAYS = 92
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WIRE_NAMES = {"start": "from", "end": "to"}  # `from` is a Python keyword


def _day(value: object, info: ValidationInfo) -> date:
    field = _WIRE_NAMES.get(info.field_name or "", info.field_name or "data")
    if not isinstance(value, str) or not _DAY.match(value):
        raise InvalidArgument(field, "must be a day written YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidArgument(field, f"{value} is not a day of the calendar") from None


Day = Annotated[date, BeforeValidator(_day)]


class DateRangeCommand(BaseModel):
    """Every day from `from` to `to`, both included, in UTC."""

    model_config = ConfigDict(extra="forbid")

    start: Day = Field(alias="from")
    end: Day = Field(alias="to")

    @model_validator(mode="after")
    def _checked(self) -> DateRangeCommand:
        if self.end < self.start:
            raise InvalidArgument("to", "must be on or after from")
        if (self.end - self.start).days + 1 > MAX_EXPORT_DAYS:
            raise InvalidArgument("to", f"must be within {MAX_EXPORT_DAYS} days of from (both days counted)")
        return self

    def window(self) -> tuple[datetime, datetime]:
        """[start of `from`, start of the day after `to`) in UTC."""
        start = datetime.combine(self.start, time.min, tzinfo=UTC)
        return start, datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=UTC)
