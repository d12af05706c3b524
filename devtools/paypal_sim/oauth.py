"""``POST /v1/oauth2/token`` (client credentials) and the Bearer check of every other call.

As on PayPal, asking again while a token is still valid returns the same
access token with the seconds it has left; a token lives ``TOKEN_LIFETIME_SECONDS``
of *virtual* time, so advancing the clock past it expires it.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass

from aiohttp import web

from devtools.paypal_sim.clock import VirtualClock
from devtools.paypal_sim.errors import oauth_error

TOKEN_LIFETIME_SECONDS = 32400
APP_ID = "APP-80W284485P519543T"
SCOPE = " ".join(
    [
        "https://uri.paypal.com/services/payments/payouts",
        "https://uri.paypal.com/payments/payouts",
        "https://uri.paypal.com/services/applications/webhooks",
        "https://uri.paypal.com/services/applications/verify-webhook-signature",
        "openid",
    ]
)


@dataclass
class AccessToken:
    value: str
    nonce: str
    expires_at: float


class TokenIssuer:
    """The one REST app of the simulator: its credentials and the tokens it issued."""

    def __init__(self, clock: VirtualClock, client_id: str, client_secret: str) -> None:
        self.clock = clock
        self.client_id = client_id
        self.client_secret = client_secret
        self._tokens: dict[str, AccessToken] = {}
        self._current: AccessToken | None = None

    def reset(self) -> None:
        self._tokens.clear()
        self._current = None

    async def token_endpoint(self, request: web.Request) -> web.Response:
        if not self._client_authenticated(request.headers.get("Authorization", "")):
            return oauth_error(401, "invalid_client", "Client Authentication failed")
        form = await request.post()
        grant = form.get("grant_type")
        if not isinstance(grant, str) or not grant:
            return oauth_error(400, "unsupported_grant_type", "Grant Type is NULL")
        if grant != "client_credentials":
            return oauth_error(400, "unsupported_grant_type", f"Grant Type {grant} is not supported")
        token = self._valid_current() or self._issue()
        return web.json_response(
            {
                "scope": SCOPE,
                "access_token": token.value,
                "token_type": "Bearer",
                "app_id": APP_ID,
                "expires_in": int(token.expires_at - self.clock.now()),
                "nonce": token.nonce,
            }
        )

    def _client_authenticated(self, header: str) -> bool:
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, sep, password = base64.b64decode(encoded, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return (
            bool(sep)
            and secrets.compare_digest(user, self.client_id)
            and secrets.compare_digest(password, self.client_secret)
        )

    def _valid_current(self) -> AccessToken | None:
        token = self._current
        if token is not None and token.expires_at - self.clock.now() >= 1:
            return token
        return None

    def _issue(self) -> AccessToken:
        token = AccessToken(
            value="A21AA" + secrets.token_urlsafe(64),
            nonce=self.clock.timestamp() + secrets.token_urlsafe(32),
            expires_at=self.clock.now() + TOKEN_LIFETIME_SECONDS,
        )
        self._tokens[token.value] = token
        self._current = token
        return token

    def bearer_valid(self, header: str) -> bool:
        """Whether ``Authorization`` carries a token this simulator issued and that has not expired."""
        scheme, _, value = header.partition(" ")
        token = self._tokens.get(value.strip()) if scheme.lower() == "bearer" else None
        return token is not None and self.clock.now() < token.expires_at
