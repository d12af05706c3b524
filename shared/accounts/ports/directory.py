"""The account directory port: who an account is (Firebase Auth) and the role it holds."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DirectoryAccount:
    uid: str
    email: str | None
    claims: dict[str, Any]  # the custom claims the server set (never the client)
    disabled: bool = False

    @property
    def role(self) -> str | None:
        role = self.claims.get("role")
        return role if isinstance(role, str) else None


class AccountDirectory(ABC):
    @abstractmethod
    def account(self, uid: str) -> DirectoryAccount | None:
        """The account as the directory has it now (not as an ID token issued earlier says)."""

    @abstractmethod
    def grant_role(self, uid: str, role: str) -> None:
        """Set the `role` custom claim, keeping the account's other claims. Idempotent; the
        user's next ID token carries it."""

    @abstractmethod
    def set_claims(self, uid: str, changes: dict[str, Any]) -> None:
        """Merge `changes` into the account's custom claims (a None value removes that claim);
        the user's next ID token carries them."""

    @abstractmethod
    def set_disabled(self, uid: str, disabled: bool) -> None:
        """Disable the account (it cannot sign in, its refresh tokens are revoked) or enable it."""

    @abstractmethod
    def create_account(self, email: str, password: str, display_name: str) -> str:
        """Create an e-mail/password account and return its uid. Raises `EmailAlreadyUsed` when
        an account has this e-mail, `PasswordRefused` when the directory finds the password too
        weak, `DirectoryError` when it cannot be reached."""

    @abstractmethod
    def delete_account(self, uid: str) -> None:
        """Delete the account (an account already gone is not an error)."""


class DirectoryError(Exception):
    """The directory could not be reached or refused the change; the caller may retry."""


class EmailAlreadyUsed(DirectoryError):
    """An account with this e-mail address exists."""


class PasswordRefused(DirectoryError):
    """The directory refused the password (too weak)."""
