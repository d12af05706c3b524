"""Wise's error answers, in the shapes the Wise Platform API uses.

* Validation and business-rule errors: ``{"errors": [{"code", "message", "path", "arguments"}]}``
  (several errors at once, ``path`` names the field; some codes carry no ``path``).
* Authentication errors: ``{"error": "unauthorized" | "invalid_token", "error_description": ...}``.
* System errors (gateway, 403 on a profile that is not the caller's, 404 on an unknown
  route, 500): ``{"timestamp", "status", "error", "message", "path"}``.
* Funding refusals: the funding result itself, ``{"type", "status": "REJECTED", "errorCode"}``.

Handlers raise :class:`WiseError`; the REST middleware turns it into the answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from aiohttp import web


def field_error(code: str, message: str, path: str | None = None, arguments: Sequence[Any] = ()) -> dict[str, Any]:
    """One entry of an ``errors`` array; ``path`` is left out when Wise leaves it out."""
    entry: dict[str, Any] = {"code": code, "message": message}
    if path is not None:
        entry["path"] = path
    entry["arguments"] = list(arguments)
    return entry


def error_timestamp() -> str:
    """Real time, as Wise stamps its system errors (``2017-02-02T13:07:39.644+0000``)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"


class WiseError(Exception):
    """An error answer: an HTTP status and the JSON body Wise sends with it."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body
        self.headers = headers or {}

    @classmethod
    def validation(cls, status: int, errors: list[dict[str, Any]]) -> WiseError:
        return cls(status, {"errors": errors})

    @classmethod
    def one(
        cls, status: int, code: str, message: str, path: str | None = None, arguments: Sequence[Any] = ()
    ) -> WiseError:
        return cls.validation(status, [field_error(code, message, path, arguments)])

    @classmethod
    def system(cls, status: int, error: str, message: str, path: str) -> WiseError:
        body = {"timestamp": error_timestamp(), "status": status, "error": error, "message": message, "path": path}
        return cls(status, body)

    def response(self) -> web.Response:
        return web.json_response(self.body, status=self.status, headers=self.headers)


def unauthenticated() -> WiseError:
    """No bearer token at all."""
    return WiseError(
        401,
        {"error": "unauthorized", "error_description": "Full authentication is required to access this resource"},
        headers={"WWW-Authenticate": 'Bearer realm="oauth2-resource", error="unauthorized"'},
    )


def invalid_token(token: str) -> WiseError:
    """A bearer token that is not the simulator's; Wise echoes the token as the description."""
    return WiseError(
        401,
        {"error": "invalid_token", "error_description": token},
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


def forbidden(path: str) -> WiseError:
    """A profile (or a resource of a profile) the token does not own."""
    return WiseError.system(403, "unauthorized", "Unauthorized", path)


def not_found(path: str) -> WiseError:
    return WiseError.system(404, "Not Found", "No message available", path)


def server_error(path: str) -> WiseError:
    return WiseError.system(500, "Internal Server Error", "No message available", path)


def malformed_json() -> WiseError:
    return WiseError.one(400, "BAD_REQUEST", "Malformed JSON request", arguments=[])


async def json_object(request: web.Request) -> dict[str, Any]:
    """The request's JSON object body, or Wise's 400 for anything else."""
    try:
        body = await request.json()
    except ValueError:
        raise malformed_json() from None
    if not isinstance(body, dict):
        raise malformed_json()
    return body


def path_profile(request: web.Request, profile_id: int) -> int:
    """The ``{profileId}`` of the path, refused with 403 unless it is the simulator's profile."""
    if request.match_info.get("profileId") != str(profile_id):
        raise forbidden(request.path)
    return profile_id
