"""Roles: who an account is to the platform, held in the server-set `role` custom claim."""

from __future__ import annotations

from typing import Any

CLIENT = "client"


def claims_at_sign_up(existing: dict[str, Any] | None) -> dict[str, Any] | None:
    """The claims a self-service sign-up gets: the client role, unless the account already has a
    role (an account created by the server, e.g. an affiliate's). None: nothing to change."""
    if existing and existing.get("role"):
        return None
    return {**(existing or {}), "role": CLIENT}
