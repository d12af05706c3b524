"""Firestore's managed export, for the daily backup.

Production: the Firestore Admin REST API (`exportDocuments`, v1) with the runtime's service
account (needs roles/datastore.importExportAdmin, and write access to the bucket); the export
runs as a long-running operation that outlives the call. The backup folders are prefixes of a
Cloud Storage bucket, listed and deleted with `google-cloud-storage`.

Against the Firestore emulator (under a demo- project only): its own export endpoint, which
takes no collection list and so exports **every** collection, into a directory on this machine;
the folder also gets the `firebase-export-metadata.json` that `firebase emulators:start --import`
reads.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path
from typing import Any

from shared.admin.adapters.google_cloud import ServiceAccountBucket
from shared.admin.ports.exports import BackupError, FirestoreExporter
from shared.kernel import config

log = logging.getLogger(__name__)

FIRESTORE_API = "https://firestore.googleapis.com/v1"
EMULATOR_EXPORT_NAME = "firestore_export"
EMULATOR_METADATA_FILE = "firebase-export-metadata.json"
HTTP_TIMEOUT_SECONDS = 60


def backups_bucket_name() -> str:
    """`BACKUPS_BUCKET`, else the exports' bucket (`EXPORTS_BUCKET`, else `<project>.appspot.com`)."""
    return os.environ.get("BACKUPS_BUCKET") or os.environ.get("EXPORTS_BUCKET") or f"{config.project_id()}.appspot.com"


def backup_retention_days(default: int) -> int:
    """`BACKUP_RETENTION_DAYS` when set to a positive number, else `default`."""
    raw = os.environ.get("BACKUP_RETENTION_DAYS", "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else default


def firestore_exporter() -> FirestoreExporter:
    """The exporter of this runtime: the Firestore emulator's when running locally."""
    host = os.environ.get("FIRESTORE_EMULATOR_HOST")
    if config.running_in_emulator() and host:
        return EmulatorFirestoreExporter(host, config.project_id(), local_backups_root(Path.cwd()))
    return FirestoreAdminExporter(config.project_id(), backups_bucket_name())


def local_backups_root(start: Path) -> Path:
    """`.local/` of the Firebase project the functions emulator runs (it runs each codebase in
    its source folder, below the `firebase.json`)."""
    for folder in (start, *start.parents):
        if (folder / "firebase.json").exists():
            return folder / ".local"
    raise BackupError(f"no firebase.json above {start}: cannot tell where local backups go")


class FirestoreAdminExporter(ServiceAccountBucket, FirestoreExporter):
    """Firestore Admin API exports into `gs://<bucket>/<prefix>`."""

    def __init__(self, project: str, bucket_name: str) -> None:
        super().__init__(bucket_name, project)

    def output_uri(self, output_prefix: str) -> str:
        return f"gs://{self.bucket_name}/{output_prefix.strip('/')}"

    def export(self, collections: list[str], output_prefix: str) -> str:
        import google.auth.exceptions
        import requests
        from google.auth.transport.requests import AuthorizedSession

        url = f"{FIRESTORE_API}/projects/{self.project}/databases/(default):exportDocuments"
        body = {"collectionIds": collections, "outputUriPrefix": self.output_uri(output_prefix)}
        try:
            session: Any = AuthorizedSession(self._credentials)  # type: ignore[no-untyped-call]
            response = session.post(url, json=body, timeout=HTTP_TIMEOUT_SECONDS)
        except (requests.RequestException, google.auth.exceptions.GoogleAuthError) as exc:
            raise BackupError(f"exportDocuments did not answer: {exc}") from exc
        if response.status_code >= 300:
            raise BackupError(f"exportDocuments answered {response.status_code}: {response.text[:300]}")
        operation = str(response.json().get("name") or "")
        log.info("firestore export started", extra={"json_fields": {"operation": operation, **body}})
        return operation

    def folders(self, parent: str) -> list[str]:
        import google.auth.exceptions
        from google.api_core import exceptions

        prefix = f"{parent.strip('/')}/"
        try:
            listing = self._bucket.client.list_blobs(self.bucket_name, prefix=prefix, delimiter="/")
            for _ in listing.pages:  # the prefixes are known once every page was read
                pass
        except (exceptions.GoogleAPICallError, google.auth.exceptions.GoogleAuthError) as exc:
            raise BackupError(f"listing gs://{self.bucket_name}/{prefix} failed: {exc}") from exc
        return sorted(p.removeprefix(prefix).strip("/") for p in listing.prefixes)

    def delete_folder(self, path: str) -> None:
        import google.auth.exceptions
        from google.api_core import exceptions

        prefix = f"{path.strip('/')}/"
        try:
            blobs = list(self._bucket.client.list_blobs(self.bucket_name, prefix=prefix))
            for start in range(0, len(blobs), 100):  # one batch request takes at most 100 calls
                self._bucket.delete_blobs(blobs[start : start + 100])
        except (exceptions.GoogleAPICallError, google.auth.exceptions.GoogleAuthError) as exc:
            raise BackupError(f"deleting gs://{self.bucket_name}/{prefix} failed: {exc}") from exc
        log.info("backup folder deleted", extra={"json_fields": {"prefix": prefix, "objects": len(blobs)}})


class EmulatorFirestoreExporter(FirestoreExporter):
    """The Firestore emulator's export (every collection) into `<root>/<prefix>` on this machine."""

    def __init__(self, host: str, project: str, root: Path) -> None:
        self.host = host
        self.project = project
        self.root = root

    def output_uri(self, output_prefix: str) -> str:
        return str(self.root / output_prefix.strip("/"))

    def export(self, collections: list[str], output_prefix: str) -> str:
        import requests

        directory = Path(self.output_uri(output_prefix))
        directory.mkdir(parents=True, exist_ok=True)  # the emulator writes only into a directory that exists
        body = {
            "database": f"projects/{self.project}/databases/(default)",
            "export_directory": str(directory),
            "export_name": EMULATOR_EXPORT_NAME,
        }
        url = f"http://{self.host}/emulator/v1/projects/{self.project}:export"
        try:
            response = requests.post(url, json=body, timeout=HTTP_TIMEOUT_SECONDS)
        except requests.RequestException as exc:
            raise BackupError(f"the Firestore emulator's export did not answer: {exc}") from exc
        if response.status_code >= 300:
            raise BackupError(f"the Firestore emulator's export answered {response.status_code}: {response.text[:300]}")
        metadata = {
            "version": "scheduledFirestoreBackup",  # firebase-tools reads only the paths
            "firestore": {
                "path": EMULATOR_EXPORT_NAME,
                "metadata_file": f"{EMULATOR_EXPORT_NAME}/{EMULATOR_EXPORT_NAME}.overall_export_metadata",
            },
        }
        (directory / EMULATOR_METADATA_FILE).write_text(json.dumps(metadata, indent=2))
        return str(directory)

    def folders(self, parent: str) -> list[str]:
        base = self.root / parent.strip("/")
        return sorted(p.name for p in base.iterdir() if p.is_dir()) if base.is_dir() else []

    def delete_folder(self, path: str) -> None:
        target = (self.root / path.strip("/")).resolve()
        if self.root.resolve() not in target.parents:
            raise BackupError(f"{path} is not below {self.root}")
        try:
            shutil.rmtree(target)
        except OSError as exc:
            raise BackupError(f"deleting {target} failed: {exc}") from exc
