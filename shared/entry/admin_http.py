"""Admin-only plain HTTP endpoints: a verified Firebase ID token with the admin claim."""

from __future__ import annotations

import logging

from flask import Request, Response

log = logging.getLogger(__name__)


def require_admin(req: Request) -> Response | None:
    """None when the caller is an admin, else the 401/403 response to send."""
    from firebase_admin import auth

    from shared.kernel.adapters.firebase_app import firebase_app

    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return Response('{"error": "sign in as an admin"}', status=401, content_type="application/json")
    try:
        claims = auth.verify_id_token(header.removeprefix("Bearer "), app=firebase_app())
    except (ValueError, auth.InvalidIdTokenError, auth.ExpiredIdTokenError, auth.RevokedIdTokenError):
        return Response('{"error": "invalid ID token"}', status=401, content_type="application/json")
    if claims.get("admin") is not True:
        return Response('{"error": "admin only"}', status=403, content_type="application/json")
    return None
