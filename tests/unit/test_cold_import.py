"""A cold `import main` loads no SDK or library that only some functions use (README, cold start):
Stripe, Twilio's REST client, Cloud Tasks, pydantic, phonenumbers, the AES-GCM cipher and the
Firestore client come with the first request that needs them. `make bench` prints the time this saves."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAZY = (
    "stripe",
    "twilio.rest",
    "google.cloud.tasks_v2",
    "pydantic",
    "phonenumbers",
    "cryptography.hazmat.primitives.ciphers.aead",
    "firebase_functions.firestore_fn",  # Firestore triggers decode their first event with it
    "google.cloud.firestore_v1",
)
PROBE = f"import json, sys\nimport main\nprint(json.dumps([m for m in {LAZY!r} if m in sys.modules]))"


@pytest.mark.parametrize("codebase", ["functions_west1", "functions_west2", "functions_west3"])
def test_import_main_loads_nothing_a_first_request_can_load(codebase: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("FIRESTORE_EMULATOR_HOST", "FUNCTIONS_EMULATOR")}
    env["PYTHONPATH"] = str(ROOT / codebase)  # `shared` from the repository root, as `make bench` does
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_the_probe_sees_a_module_that_is_imported() -> None:
    """The check above would notice: importing a command model loads pydantic."""
    code = "import json, sys\nimport shared.payments.services.commands\nprint(json.dumps('pydantic' in sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    assert json.loads(done.stdout) is True
