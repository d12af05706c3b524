"""Phone-number vault port: numbers are stored only encrypted."""

from __future__ import annotations

from abc import ABC, abstractmethod


class PhoneVault(ABC):
    @abstractmethod
    def seal(self, e164: str) -> str:
        """Encrypt a phone number for storage."""

    @abstractmethod
    def open(self, sealed: str) -> str:
        """Decrypt a stored phone number (only where it is dialled or compared)."""
