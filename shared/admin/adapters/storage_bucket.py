"""Cloud Storage for the admin exports (`google-cloud-storage`, imported with the first export).

Production: the runtime's service account writes the file and signs a V4 URL for it. Cloud
Functions have no private key, so the URL is signed through IAM `signBlob` (the service account
needs `iam.serviceAccounts.signBlob` on itself: roles/iam.serviceAccountTokenCreator).

Against the Storage emulator (under a demo- project only): the emulator cannot sign, so the link
is a Firebase download-token URL (`/v0/b/<bucket>/o/<path>?alt=media&token=...`), which the
emulator serves without checking the storage rules. That link does not expire.
"""

from __future__ import annotations

import logging
import os
import uuid
from datetime import timedelta
from functools import cache, cached_property
from typing import Any
from urllib.parse import quote

from shared.admin.adapters.google_cloud import ServiceAccountBucket
from shared.admin.ports.exports import ExportBucket, ExportStorageError
from shared.kernel import config

log = logging.getLogger(__name__)

DOWNLOAD_TOKENS = "firebaseStorageDownloadTokens"


def exports_bucket_name() -> str:
    """`EXPORTS_BUCKET`, else the project's default Firebase bucket `<project>.appspot.com`."""
    return os.environ.get("EXPORTS_BUCKET") or f"{config.project_id()}.appspot.com"


def storage_emulator_host() -> str | None:
    """`host:port` of the Storage emulator, only inside the functions emulator of a demo- project
    (the functions emulator sets both variables when the Storage emulator runs)."""
    if not config.running_in_emulator():
        return None
    host = os.environ.get("FIREBASE_STORAGE_EMULATOR_HOST") or os.environ.get("STORAGE_EMULATOR_HOST") or ""
    return host.removeprefix("http://").rstrip("/") or None


@cache
def export_bucket() -> ExportBucket:
    """The bucket this runtime exports to (one per instance): the emulator's when running locally."""
    if config.running_in_emulator():
        return EmulatorStorageBucket(exports_bucket_name(), storage_emulator_host())
    return CloudStorageBucket(exports_bucket_name())


class CloudStorageBucket(ServiceAccountBucket, ExportBucket):
    """A Cloud Storage bucket, links signed (V4) by the runtime's service account."""

    def upload(self, path: str, data: bytes, content_type: str) -> None:
        import google.auth.exceptions
        from google.api_core import exceptions

        try:
            self._bucket.blob(path).upload_from_string(data, content_type=content_type)
        except (exceptions.GoogleAPICallError, google.auth.exceptions.GoogleAuthError, OSError) as exc:
            raise ExportStorageError(f"upload of gs://{self.bucket_name}/{path} failed: {exc}") from exc
        log.info("export written", extra={"json_fields": {"bucket": self.bucket_name, "path": path}})

    def link(self, path: str, expires_in: timedelta) -> str:
        import google.auth.exceptions
        from google.auth import credentials as auth_credentials
        from google.auth.transport.requests import Request

        filename = path.rsplit("/", 1)[-1]
        options: dict[str, Any] = {
            "version": "v4",
            "method": "GET",
            "expiration": expires_in,
            "response_disposition": f'attachment; filename="{filename}"',
        }
        try:
            credentials = self._credentials
            blob = self._bucket.blob(path)
            if isinstance(credentials, auth_credentials.Signing):  # a key file (a developer's machine)
                url: str = blob.generate_signed_url(credentials=credentials, **options)
                return url
            # No private key (Cloud Functions): IAM signBlob as the runtime's service account.
            if not credentials.valid:
                credentials.refresh(Request())
            url = blob.generate_signed_url(
                service_account_email=credentials.service_account_email, access_token=credentials.token, **options
            )
            return url
        except (google.auth.exceptions.GoogleAuthError, OSError) as exc:
            raise ExportStorageError(f"signing a link to gs://{self.bucket_name}/{path} failed: {exc}") from exc


class EmulatorStorageBucket(ExportBucket):
    """The Firebase Storage emulator's bucket; its links are download-token URLs that never expire.
    With no Storage emulator running (`host` None) every call raises ExportStorageError."""

    def __init__(self, bucket_name: str, host: str | None) -> None:
        self.bucket_name = bucket_name
        self.host = host

    @cached_property
    def _bucket(self) -> Any:
        from google.auth.credentials import AnonymousCredentials
        from google.cloud.storage import Client

        if self.host is None:
            raise ExportStorageError("no Storage emulator is running (firebase emulators:start --only ...,storage)")
        client = Client(
            project=config.project_id(),
            credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
            client_options={"api_endpoint": f"http://{self.host}"},
        )
        return client.bucket(self.bucket_name)

    def upload(self, path: str, data: bytes, content_type: str) -> None:
        from google.api_core import exceptions

        blob = self._bucket.blob(path)
        blob.metadata = {DOWNLOAD_TOKENS: str(uuid.uuid4())}
        try:
            blob.upload_from_string(data, content_type=content_type)
        except (exceptions.GoogleAPICallError, OSError) as exc:
            raise ExportStorageError(f"upload to the Storage emulator failed: {exc}") from exc

    def link(self, path: str, expires_in: timedelta) -> str:
        from google.api_core import exceptions

        try:
            blob = self._bucket.get_blob(path)
            if blob is None:
                raise ExportStorageError(f"{path} is not in the Storage emulator's {self.bucket_name}")
            token = str((blob.metadata or {}).get(DOWNLOAD_TOKENS) or "").split(",")[0]
            if not token:
                token = str(uuid.uuid4())
                blob.metadata = {**(blob.metadata or {}), DOWNLOAD_TOKENS: token}
                blob.patch()
        except (exceptions.GoogleAPICallError, OSError) as exc:
            raise ExportStorageError(f"the Storage emulator gave no link: {exc}") from exc
        return f"http://{self.host}/v0/b/{self.bucket_name}/o/{quote(path, safe='')}?alt=media&token={token}"
