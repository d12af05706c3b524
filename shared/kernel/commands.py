"""Inbound commands: parsing untrusted callable data into typed, validated values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from shared.kernel.errors import InvalidArgument, PermissionDenied, Unauthenticated

if TYPE_CHECKING:
    from pydantic import BaseModel

M = TypeVar("M", bound="BaseModel")


@dataclass(frozen=True)
class Caller:
    """The authenticated user behind a callable request (from the verified ID token)."""

    uid: str
    claims: dict[str, Any]

    @property
    def is_admin(self) -> bool:
        return self.claims.get("admin") is True


def require_caller(caller: Caller | None) -> Caller:
    if caller is None:
        raise Unauthenticated("sign in first: this function requires an authenticated user")
    return caller


def require_admin(caller: Caller | None) -> Caller:
    user = require_caller(caller)
    if not user.is_admin:
        raise PermissionDenied("this function is for admins only")
    return user


def require_self_or_admin(caller: Caller, field: str, uid: str) -> None:
    if caller.uid != uid and not caller.is_admin:
        raise PermissionDenied(f"{field} must be the signed-in user")


def require_booking_client(caller: Caller | None, client_id: str, provider_id: str) -> Caller:
    """A booking is made by a signed-in client account (the server-set `role` claim) for
    themselves, with someone else; an admin may act for a client."""
    user = require_caller(caller)
    require_self_or_admin(user, "clientId", client_id)
    if user.claims.get("role") != "client" and not user.is_admin:
        raise PermissionDenied("only a client account can book a call")
    if provider_id == client_id:
        raise InvalidArgument("providerId", "cannot be your own account: a provider cannot book themselves")
    return user


def parse_command(model: type[M], data: Any) -> M:
    """Validate `data` against `model`; the first problem becomes INVALID_ARGUMENT naming it.

    Field validators may call the domain parsers directly: their InvalidArgument (not a
    ValueError) passes through pydantic unchanged, field name included."""
    from pydantic import ValidationError  # with the first command: not at a cold import

    if not isinstance(data, dict):
        raise InvalidArgument("data", "must be an object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or "data"
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "missing":
            message = "is required"
        elif error["type"] == "extra_forbidden":
            message = "is not accepted here"
        raise InvalidArgument(field, message) from None
