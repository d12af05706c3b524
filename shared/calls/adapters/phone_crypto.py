"""AES-256-GCM phone vault (key: 32 bytes, base64, from the ENCRYPTION_KEY secret).

Stored form: `v1:<base64(nonce | ciphertext+tag)>`; the associated data binds it to its use.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.calls.ports.phone_vault import PhoneVault

_PREFIX = "v1:"
_AAD = b"sos-expat:phone"


class InvalidKey(ValueError):
    pass


class AesGcmPhoneVault(PhoneVault):
    def __init__(self, key_b64: str) -> None:
        try:
            key = base64.b64decode(key_b64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InvalidKey("ENCRYPTION_KEY must be base64") from exc
        if len(key) != 32:
            raise InvalidKey("ENCRYPTION_KEY must decode to 32 bytes (AES-256)")
        self._aead = AESGCM(key)

    def seal(self, e164: str) -> str:
        nonce = os.urandom(12)
        sealed = nonce + self._aead.encrypt(nonce, e164.encode(), _AAD)
        return _PREFIX + base64.b64encode(sealed).decode()

    def open(self, sealed: str) -> str:
        if not sealed.startswith(_PREFIX):
            raise ValueError("not a sealed phone number")
        raw = base64.b64decode(sealed[len(_PREFIX) :])
        try:
            return self._aead.decrypt(raw[:12], raw[12:], _AAD).decode()
        except InvalidTag as exc:
            raise ValueError("sealed phone number is corrupt or was sealed with another key") from exc
