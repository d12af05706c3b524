"""PayPal's error bodies.

REST errors use PayPal's shape ``{"name", "message", "debug_id",
"information_link", "details": [{"field", "location", "issue"}], "links"}``; the
texts below are those PayPal answers (observed in the sandbox where known).
The OAuth2 token endpoint answers in the OAuth2 shape ``{"error",
"error_description"}`` instead, as PayPal does.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from aiohttp import web

PAYOUTS_ERRORS_LINK = "https://developer.paypal.com/docs/api/payments.payouts-batch/#errors"
WEBHOOKS_ERRORS_LINK = "https://developer.paypal.com/docs/api/webhooks/v1/#errors"
OVERVIEW_ERRORS_LINK = "https://developer.paypal.com/docs/api/overview/#error"

VALIDATION_MESSAGE = "Invalid request - see details"
#: the issue PayPal reports for a null or missing required field
MISSING = "may not be null"


def debug_id() -> str:
    """PayPal's ``debug_id`` (also sent as the ``PayPal-Debug-Id`` header): 13 hex digits."""
    return secrets.token_hex(7)[:13]


@dataclass(frozen=True)
class Issue:
    """One entry of ``details``: which field is wrong and why."""

    field: str
    issue: str
    location: str = "body"

    def to_json(self) -> dict[str, str]:
        return {"field": self.field, "location": self.location, "issue": self.issue}


def paypal_error(
    status: int,
    name: str,
    message: str,
    details: list[dict[str, Any]] | None = None,
    information_link: str = PAYOUTS_ERRORS_LINK,
    links: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    ident = debug_id()
    body: dict[str, Any] = {
        "name": name,
        "message": message,
        "debug_id": ident,
        "information_link": information_link,
        "details": details or [],
        "links": links or [],
    }
    return web.json_response(body, status=status, headers={"PayPal-Debug-Id": ident, **(headers or {})})


def validation_error(issues: list[Issue], information_link: str = PAYOUTS_ERRORS_LINK) -> web.Response:
    return paypal_error(
        400,
        "VALIDATION_ERROR",
        VALIDATION_MESSAGE,
        [i.to_json() for i in issues],
        information_link=information_link,
    )


def malformed_request(information_link: str = PAYOUTS_ERRORS_LINK) -> web.Response:
    return paypal_error(
        400,
        "MALFORMED_REQUEST",
        "Incoming JSON request does not map to API request",
        information_link=information_link,
    )


def authentication_failure() -> web.Response:
    """A missing, unknown or expired ``Authorization: Bearer`` token."""
    return paypal_error(
        401,
        "AUTHENTICATION_FAILURE",
        "Authentication failed due to invalid authentication credentials or a missing Authorization header.",
        information_link=OVERVIEW_ERRORS_LINK,
        links=[{"href": OVERVIEW_ERRORS_LINK, "rel": "information_link"}],
        headers={"WWW-Authenticate": 'Bearer realm="PayPal"'},
    )


def internal_server_error() -> web.Response:
    return paypal_error(500, "INTERNAL_SERVER_ERROR", "An internal server error has occurred.")


def invalid_resource_id() -> web.Response:
    return paypal_error(404, "INVALID_RESOURCE_ID", "Requested resource ID was not found.")


def oauth_error(status: int, error: str, description: str) -> web.Response:
    return web.json_response({"error": error, "error_description": description}, status=status)
