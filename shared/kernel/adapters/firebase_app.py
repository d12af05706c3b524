"""Lazily initialised firebase-admin app and Firestore client.

Against the emulators (FUNCTIONS_EMULATOR=true or FIRESTORE_EMULATOR_HOST set, honoured only
under a demo- project: `shared.kernel.config.using_emulators`) the Admin SDK needs anonymous
credentials; in production it uses the runtime's service account.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from shared.kernel.config import configured_project_id, using_emulators


def using_emulator() -> bool:
    """The emulators are in use (and the project is a demo- one)."""
    return using_emulators()


@cache
def firebase_app() -> Any:
    """The default app (callable token verification needs it). Cheap: no network, no Firestore."""
    import firebase_admin

    try:
        return firebase_admin.get_app()
    except ValueError:
        pass
    project = configured_project_id()
    options = {"projectId": project} if project else None
    if using_emulator():
        return firebase_admin.initialize_app(_anonymous_credential(), options)
    return firebase_admin.initialize_app(options=options)


@cache
def firestore_client() -> Any:
    from firebase_admin import firestore

    return firestore.client(firebase_app())


def _anonymous_credential() -> Any:
    from firebase_admin import credentials
    from google.auth.credentials import AnonymousCredentials

    class Anonymous(credentials.Base):  # type: ignore[misc]
        def get_credential(self) -> Any:
            return AnonymousCredentials()  # type: ignore[no-untyped-call]

    return Anonymous()
