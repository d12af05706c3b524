"""Where the admin console's exports and the daily Firestore backups go: a Cloud Storage bucket
(CSV files read through short-lived links) and Firestore's managed export (backup folders named
by day under one prefix, the old ones deleted by the run that writes a new one)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import timedelta


class ExportStorageError(Exception):
    """The bucket did not take the file or could not give a link: nothing was exported."""


class BackupError(Exception):
    """Firestore refused or did not start the export, or a backup folder could not be read or
    deleted."""


class ExportBucket(ABC):
    """A bucket holding the export files."""

    @abstractmethod
    def upload(self, path: str, data: bytes, content_type: str) -> None:
        """Store `data` at `path` (an object name such as `exports/payments-....csv`), replacing
        any file there; raises ExportStorageError."""

    @abstractmethod
    def link(self, path: str, expires_in: timedelta) -> str:
        """An HTTPS link that downloads the file at `path` without signing in, valid for
        `expires_in`; raises ExportStorageError."""


class FirestoreExporter(ABC):
    """Firestore's export of whole collections into dated backup folders, and those folders."""

    @abstractmethod
    def output_uri(self, output_prefix: str) -> str:
        """Where an export into `output_prefix` (`backups/2026-12-06`) lands: `gs://...` in
        production, a directory on this machine against the emulator."""

    @abstractmethod
    def export(self, collections: list[str], output_prefix: str) -> str:
        """Start the export of `collections` into `output_prefix`; returns the name of the
        operation carrying it out (or, for a synchronous export, where it landed). Raises
        BackupError."""

    @abstractmethod
    def folders(self, parent: str) -> list[str]:
        """The names of the folders directly under `parent` (`backups` gives `2026-12-06`, ...)."""

    @abstractmethod
    def delete_folder(self, path: str) -> None:
        """Delete the folder `path` (`backups/2026-11-01`) and everything in it; raises BackupError."""
