"""setAffiliateFxRate: an admin sets the EUR→USD rate new commissions are converted at. A
commission keeps the rate it was created with; changing the rate never recomputes one."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ValidationInfo

from shared.affiliates.domain.settings import FxSettings, parse_fx_rate
from shared.kernel.clock import Clock
from shared.kernel.commands import Caller, require_admin
from shared.kernel.store import DocumentStore


def _rate(value: object, info: ValidationInfo) -> str:
    return str(parse_fx_rate(value, info.field_name or "eurUsd"))


class SetFxRateCommand(BaseModel):
    eurUsd: Annotated[str, BeforeValidator(_rate)]


def set_fx_rate(cmd: SetFxRateCommand, caller: Caller | None, *, store: DocumentStore, clock: Clock) -> dict[str, Any]:
    admin = require_admin(caller)
    store.set(FxSettings.PATH, {"eurUsd": cmd.eurUsd, "updatedAt": clock.now(), "updatedBy": admin.uid}, merge=True)
    return {"eurUsd": cmd.eurUsd}
