"""Webhook signatures, made as Wise makes them.

Wise signs the raw body of every webhook request with its RSA private key:
``X-Signature-SHA256 = base64(RSASSA-PKCS1-v1_5(SHA-256(body)))`` (Java's
``SHA256withRSA``), and publishes the public key for receivers to verify with.
The simulator generates its own 2048-bit key pair at start (a local test key, never
Wise's) and serves the public key, PEM-encoded (SubjectPublicKeyInfo), at
``GET /_control/public-key``. The key survives ``POST /_control/reset``.
"""

from __future__ import annotations

import base64

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

SIGNATURE_HEADER = "X-Signature-SHA256"
KEY_BITS = 2048


class Signer:
    """Holds the simulator's webhook key pair."""

    def __init__(self, private_key: rsa.RSAPrivateKey | None = None) -> None:
        self._key = private_key or rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)

    def sign(self, body: bytes) -> str:
        signature = self._key.sign(body, padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(signature).decode("ascii")

    @property
    def public_key_pem(self) -> str:
        return (
            self._key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode("ascii")
        )


def verify(public_key_pem: str, body: bytes, signature_b64: str) -> bool:
    """What a receiver does: check ``X-Signature-SHA256`` against the raw body."""
    key = serialization.load_pem_public_key(public_key_pem.encode("ascii"))
    if not isinstance(key, rsa.RSAPublicKey):
        return False
    try:
        key.verify(base64.b64decode(signature_b64, validate=True), body, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True
