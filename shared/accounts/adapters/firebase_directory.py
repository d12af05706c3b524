"""AccountDirectory over Firebase Auth (the Admin SDK; the Auth emulator locally)."""

from __future__ import annotations

from typing import Any

from shared.accounts.ports.directory import (
    AccountDirectory,
    DirectoryAccount,
    DirectoryError,
    EmailAlreadyUsed,
    PasswordRefused,
)


class FirebaseAccountDirectory(AccountDirectory):
    """Accounts in Firebase Auth. Custom claims are merged, never replaced, so a role change
    keeps `admin` and any other claim."""

    def __init__(self, app: Any) -> None:
        self._app = app

    def account(self, uid: str) -> DirectoryAccount | None:
        from firebase_admin import auth, exceptions

        try:
            user = auth.get_user(uid, app=self._app)
        except auth.UserNotFoundError:
            return None
        except exceptions.FirebaseError as exc:
            raise DirectoryError(f"auth get_user: {exc}") from exc
        return DirectoryAccount(
            user.uid, user.email, dict(user.custom_claims or {}), bool(getattr(user, "disabled", False))
        )

    def grant_role(self, uid: str, role: str) -> None:
        from firebase_admin import auth, exceptions

        try:
            claims = dict(auth.get_user(uid, app=self._app).custom_claims or {})
            if claims.get("role") != role:
                auth.set_custom_user_claims(uid, {**claims, "role": role}, app=self._app)
        except exceptions.FirebaseError as exc:
            raise DirectoryError(f"auth set_custom_user_claims: {exc}") from exc

    def set_claims(self, uid: str, changes: dict[str, Any]) -> None:
        from firebase_admin import auth, exceptions

        try:
            claims = dict(auth.get_user(uid, app=self._app).custom_claims or {})
            updated = {k: v for k, v in {**claims, **changes}.items() if v is not None}
            if updated != claims:
                auth.set_custom_user_claims(uid, updated, app=self._app)
        except exceptions.FirebaseError as exc:
            raise DirectoryError(f"auth set_custom_user_claims: {exc}") from exc

    def set_disabled(self, uid: str, disabled: bool) -> None:
        from firebase_admin import auth, exceptions

        try:
            auth.update_user(uid, disabled=disabled, app=self._app)
            if disabled:
                auth.revoke_refresh_tokens(uid, app=self._app)
        except exceptions.FirebaseError as exc:
            raise DirectoryError(f"auth update_user: {exc}") from exc

    def create_account(self, email: str, password: str, display_name: str) -> str:
        from firebase_admin import auth, exceptions

        try:
            user = auth.create_user(email=email, password=password, display_name=display_name, app=self._app)
        except auth.EmailAlreadyExistsError as exc:
            raise EmailAlreadyUsed("auth create_user: e-mail already used") from exc
        except (ValueError, exceptions.InvalidArgumentError) as exc:  # the SDK's checks, then WEAK_PASSWORD
            if "password" in str(exc).lower():
                raise PasswordRefused("auth create_user: password refused") from exc
            raise DirectoryError(f"auth create_user: {exc}") from exc
        except exceptions.FirebaseError as exc:
            raise DirectoryError(f"auth create_user: {exc}") from exc
        uid: str = user.uid
        return uid

    def delete_account(self, uid: str) -> None:
        from firebase_admin import auth, exceptions

        try:
            auth.delete_user(uid, app=self._app)
        except auth.UserNotFoundError:
            return
        except exceptions.FirebaseError as exc:
            raise DirectoryError(f"auth delete_user: {exc}") from exc
