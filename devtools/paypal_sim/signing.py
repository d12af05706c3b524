"""Webhook signatures, computed as PayPal documents them.

At start the simulator makes a local test key pair (RSA 2048) and a self-signed
X.509 certificate for it, served at ``PAYPAL-CERT-URL``
(``/v1/notifications/certs/CERT-…``). A delivery is signed with RSA-SHA256
(``PAYPAL-AUTH-ALGO: SHA256withRSA``, PKCS#1 v1.5) over::

    <transmission_id>|<transmission_time>|<webhook_id>|<CRC32 of the raw body, unsigned decimal>

and the base64 signature goes in ``PAYPAL-TRANSMISSION-SIG``.

The raw body is :func:`event_body` of the event: compact JSON (``,`` and ``:``
separators, no spaces), keys in the event's own order, non-ASCII characters
written as UTF-8 rather than ``\\uXXXX`` escapes — what ``JSON.stringify`` or
``json.dumps(..., separators=(",", ":"), ensure_ascii=False)`` gives. The
verify API (``POST /v1/notifications/verify-webhook-signature``) re-serialises
the ``webhook_event`` it is given with the same rule before the CRC32, so an
event parsed and passed on unchanged verifies, and any change to it does not.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

AUTH_ALGO = "SHA256withRSA"
CERT_PATH = "/v1/notifications/certs/"


def event_body(event: dict[str, Any]) -> bytes:
    """The exact bytes sent (and signed) for ``event``."""
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def signed_message(transmission_id: str, transmission_time: str, webhook_id: str, body: bytes) -> bytes:
    return f"{transmission_id}|{transmission_time}|{webhook_id}|{zlib.crc32(body)}".encode()


class WebhookSigner:
    """The simulator's signing key, its certificate and where the certificate is served."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.cert_name = "CERT-360caa42-" + secrets.token_hex(4) + "-" + secrets.token_hex(4)
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Local PayPal simulator (test key)"),
                x509.NameAttribute(NameOID.COMMON_NAME, "messageverificationcerts.paypal.local"),
            ]
        )
        now = datetime.now(UTC)
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=3650))
            .sign(self.key, hashes.SHA256())
        )
        self.cert_pem = self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def cert_path(self) -> str:
        return CERT_PATH + self.cert_name

    def sign(self, transmission_id: str, transmission_time: str, webhook_id: str, body: bytes) -> str:
        message = signed_message(transmission_id, transmission_time, webhook_id, body)
        signature = self.key.sign(message, padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(signature).decode("ascii")

    def verify(self, transmission_id: str, transmission_time: str, webhook_id: str, body: bytes, sig: str) -> bool:
        try:
            signature = base64.b64decode(sig, validate=True)
        except (binascii.Error, ValueError):
            return False
        message = signed_message(transmission_id, transmission_time, webhook_id, body)
        try:
            self.key.public_key().verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return False
        return True
