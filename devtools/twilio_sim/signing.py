"""Webhook signatures, computed exactly as Twilio computes them.

* ``signing=auth_token`` (default): ``X-Twilio-Signature`` is HMAC-SHA1 of the URL
  and the sorted form parameters, keyed with the account's primary auth token
  (``RequestValidator(auth_token).compute_signature(url, params)``).
* ``signing=secondary_auth_token``: the same, keyed with the secondary auth token,
  as after a token rotation has been started.
* ``signing=shared_key``: keyed with a Webhook Setting's shared key secret and its
  algorithm (HMAC-SHA256 by default); the request also carries
  ``X-Twilio-Webhooks-Signature-Settings: key=<shared key sid>,algorithm=<algorithm>``.

For GET requests the parameters are appended to the URL's query string and the
full URL is signed with no parameters.
"""

from __future__ import annotations

from urllib.parse import urlencode

from twilio.request_validator import (  # type: ignore[import-untyped]
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
)

from devtools.twilio_sim.faults import SimConfig


class Signer:
    """Signs outgoing webhook requests with the secret ``config.signing`` names."""

    def __init__(self, config: SimConfig, auth_token: str) -> None:
        self.config = config
        self.auth_token = auth_token

    def signed_url(self, url: str, method: str, params: dict[str, str]) -> str:
        """The URL actually requested: GET parameters travel in the query string."""
        if method == "GET" and params:
            return url + ("&" if "?" in url else "?") + urlencode(params)
        return url

    def headers(self, url: str, method: str, params: dict[str, str]) -> dict[str, str]:
        """Signature headers for a request to ``url`` (already :meth:`signed_url`)."""
        signed_params = {} if method == "GET" else params
        config = self.config
        if config.signing == "shared_key":
            validator = RequestValidator(config.shared_key_secret)
            algorithm = config.shared_key_algorithm
            return {
                SIGNATURE_HEADER: validator.compute_signature(url, signed_params, algorithm=algorithm),
                SIGNATURE_SETTINGS_HEADER: f"key={config.shared_key_sid},algorithm={algorithm}",
            }
        token = self.auth_token if config.signing == "auth_token" else config.secondary_auth_token
        return {SIGNATURE_HEADER: RequestValidator(token).compute_signature(url, signed_params)}
