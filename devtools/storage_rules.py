"""The Storage emulator's rules runtime, built locally: firebase-tools downloads its own from
storage.googleapis.com, which this machine cannot reach. `storage_rules_runtime/DenyAll.java`
denies every client request, as `storage.rules` does; it is compiled once with the machine's
javac (Java 17) into `.local/emulators/`, and `STORAGE_EMULATOR_BINARY_PATH` points at it."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

SOURCE = Path(__file__).resolve().parent / "storage_rules_runtime" / "DenyAll.java"


def build_rules_runtime(target: Path) -> Path:
    if target.exists() and target.stat().st_mtime >= SOURCE.stat().st_mtime:
        return target
    javac = shutil.which("javac")
    if javac is None:
        raise FileNotFoundError("javac (Java 17+) is needed to build the Storage emulator's local rules runtime")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as build:
        subprocess.run([javac, "--release", "17", "-d", build, str(SOURCE)], check=True, capture_output=True)
        with zipfile.ZipFile(target, "w") as jar:
            jar.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\nMain-Class: DenyAll\r\n\r\n")
            jar.write(Path(build) / "DenyAll.class", "DenyAll.class")
    return target
