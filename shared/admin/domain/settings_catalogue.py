"""The settings an admin may change, each checked by the model the services read it with, and
how a change is applied: `values` are merged into the current document (nested objects key by
key), then the whole is validated; a key the model does not know is refused, so a typo never
lands silently beside the real setting."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from shared.affiliates.domain.settings import AffiliateSettings, FxSettings
from shared.calls.domain.settings import CallSettings
from shared.kernel.errors import InvalidArgument
from shared.payments.domain.pricing import DEFAULT_PRICING, PricingTable
from shared.payments.domain.settings import PaymentSettings
from shared.subscriptions.domain.settings import SubscriptionSettings

META_FIELDS = ("version", "updatedAt", "updatedBy")


@dataclass(frozen=True)
class SettingsKind:
    name: str
    path: str
    model: type[BaseModel]
    defaults: Callable[[], dict[str, Any]]

    def canonical(self, values: dict[str, Any], field: str = "values") -> dict[str, Any]:
        """`values` as the services will read them (defaults filled in); INVALID_ARGUMENT names
        the first bad field."""
        try:
            parsed = self.model.model_validate(values)
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(part) for part in error["loc"])
            message = str(error["msg"]).removeprefix("Value error, ")
            if not where and ": " in message:  # a rule over several fields names the one it refuses
                where, message = message.split(": ", 1)
            raise InvalidArgument(f"{field}.{where}" if where else field, message) from None
        except InvalidArgument as exc:
            raise InvalidArgument(f"{field}.{exc.field}", exc.message.split(": ", 1)[-1]) from None
        document: dict[str, Any] = parsed.model_dump(by_alias=True)
        return document


def _defaults(model: type[BaseModel]) -> Callable[[], dict[str, Any]]:
    return lambda: model.model_validate({}).model_dump(by_alias=True)


_MODELS: dict[str, tuple[str, type[BaseModel], Callable[[], dict[str, Any]]]] = {
    "pricing": ("settings/pricing", PricingTable, DEFAULT_PRICING.to_document),
    "calls": (CallSettings.PATH, CallSettings, _defaults(CallSettings)),
    "payments": (PaymentSettings.PATH, PaymentSettings, _defaults(PaymentSettings)),
    "subscription": (SubscriptionSettings.PATH, SubscriptionSettings, _defaults(SubscriptionSettings)),
    "affiliate": (AffiliateSettings.PATH, AffiliateSettings, _defaults(AffiliateSettings)),
    "fx": (FxSettings.PATH, FxSettings, _defaults(FxSettings)),
}
CATALOGUE: dict[str, SettingsKind] = {name: SettingsKind(name, *kind) for name, kind in _MODELS.items()}


def stored_values(kind: SettingsKind, doc: dict[str, Any] | None) -> dict[str, Any]:
    """What is in force now: the document without its bookkeeping, or the defaults."""
    values = {k: v for k, v in (doc or {}).items() if k not in META_FIELDS}
    return kind.canonical(values) if values else kind.defaults()


def merged(current: dict[str, Any], change: dict[str, Any], prefix: str = "values") -> dict[str, Any]:
    """`change` laid over `current`, nested objects key by key; a key `current` lacks is refused
    (`current` is canonical, so it holds every key the model knows)."""
    result = dict(current)
    for key, value in change.items():
        if key not in current:
            raise InvalidArgument(f"{prefix}.{key}", "is not a setting here")
        if isinstance(current[key], dict) and isinstance(value, dict):
            result[key] = merged(current[key], value, f"{prefix}.{key}")
        else:
            result[key] = value
    return result
