"""The runtime's Google Cloud identity, for the admin adapters that reach Cloud Storage and the
Firestore Admin API in production (`google-auth` and `google-cloud-storage`, imported on first use).

The Storage endpoint is explicit: a stray `STORAGE_EMULATOR_HOST` cannot divert production files.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from shared.kernel import config

CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
STORAGE_API = "https://storage.googleapis.com"


class ServiceAccountBucket:
    """A Cloud Storage bucket reached as the runtime's service account (Application Default
    Credentials, cloud-platform scope), in `project` (default: this runtime's project)."""

    def __init__(self, bucket_name: str, project: str | None = None) -> None:
        self.bucket_name = bucket_name
        self._project = project

    @property
    def project(self) -> str:
        return self._project or config.project_id()

    @cached_property
    def _credentials(self) -> Any:
        import google.auth

        credentials, _ = google.auth.default(scopes=[CLOUD_PLATFORM_SCOPE])
        return credentials

    @cached_property
    def _bucket(self) -> Any:
        from google.cloud.storage import Client

        client = Client(
            project=self.project, credentials=self._credentials, client_options={"api_endpoint": STORAGE_API}
        )
        return client.bucket(self.bucket_name)
