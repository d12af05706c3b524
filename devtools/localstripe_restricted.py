"""Restricted (read-only) keys for the local Stripe, as west1 holds one in production.

localstripe accepts only `sk_` keys. With this patch it also accepts `rk_` keys, for reads only:
a restricted key without write permissions gets Stripe's 403 `permission_error` on any write, so
a function given the read-only key can never move money, locally as in production.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from localstripe.errors import UserError

RESTRICTED_PREFIX = "rk_"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def install(server: ModuleType) -> None:
    """Wrap `localstripe.server.get_api_key` (looked up by the auth middleware at each request)."""
    original = server.get_api_key

    def get_api_key(request: Any) -> str | None:
        header = request.headers.get("Authorization", "").split(" ")
        if len(header) == 2 and header[0] == "Bearer" and header[1].startswith(RESTRICTED_PREFIX):
            if len(header[1]) <= len(RESTRICTED_PREFIX) + 2:
                return None
            if request.method in WRITE_METHODS:
                raise UserError(403, "The provided key does not have the required permissions for this endpoint")
            return str(header[1])
        key: str | None = original(request)
        return key

    server.get_api_key = get_api_key  # type: ignore[attr-defined]
