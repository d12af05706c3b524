"""A launcher jar so firebase-tools (`java -jar`) can run the gcloud Firestore emulator jar.

The gcloud jar has no Main-Class; the launcher's manifest names it and points its
Class-Path at the gcloud jar.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

GCLOUD_FIRESTORE_JAR = Path("/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud-firestore-emulator.jar")
MAIN_CLASS = "com.google.cloud.datastore.emulator.firestore.CloudFirestore"


def build_launcher(target: Path, gcloud_jar: Path = GCLOUD_FIRESTORE_JAR) -> Path:
    if not gcloud_jar.exists():
        raise FileNotFoundError(f"Firestore emulator jar not found at {gcloud_jar} (Google Cloud SDK)")
    target.parent.mkdir(parents=True, exist_ok=True)
    manifest = f"Manifest-Version: 1.0\r\nMain-Class: {MAIN_CLASS}\r\nClass-Path: {gcloud_jar.as_uri()}\r\n\r\n"
    with zipfile.ZipFile(target, "w") as jar:
        jar.writestr("META-INF/MANIFEST.MF", manifest)
    return target
