"""Cold import time of each codebase's `main`, as a ratio to the bare Firebase SDK imports.

The SDK floor is the same ratio for the `firebase_functions` modules the codebase's decorators
import at module level: `main` cannot import less than that. (Firestore triggers are declared
through `shared.entry.firestore_triggers`, which loads `firestore_fn` and the Firestore client with
a trigger's first event only.)
Each figure is the median of N fresh interpreters (after one discarded warm-up round that
compiles the bytecode). `main` resolves from `functions_westN` and `shared` from the
repository root, the same code the predeploy step vendors, without rewriting the vendored
copies (the functions emulator of a running `make dev` watches those folders).
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
from pathlib import Path
from typing import Any

from devtools.stack import ROOT
from devtools.vendor_shared import CODEBASES

RUNS = 7
PYTHON = ROOT / ".venv" / "bin" / "python"
# imported lazily, on first use only
HEAVY = ("stripe", "twilio.rest", "google.cloud.tasks_v2", "google.cloud.firestore_v1")
BASELINE = "from firebase_functions import https_fn, options, params\nimport firebase_admin"
TEMPLATE = """import json, sys, time
t = time.perf_counter()
{imports}
elapsed = time.perf_counter() - t
print(json.dumps({{"seconds": elapsed, "heavy": [m for m in {heavy!r} if m in sys.modules]}}))
"""


def sdk_imports(codebase: Path) -> str:
    """The Firebase SDK modules a codebase's declarations import at module level (its floor), as one
    import statement."""
    names: set[str] = set()
    for module in codebase.glob("*.py"):
        for found in re.finditer(r"^from firebase_functions import ([\w, ]+)$", module.read_text(), re.MULTILINE):
            names.update(name.strip() for name in found.group(1).split(","))
    modules = ", ".join(sorted(names | {"https_fn", "options", "params"}))
    return f"from firebase_functions import {modules}\nimport firebase_admin"


def _env(source: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSAFEPATH")}
    for name in ("FIRESTORE_EMULATOR_HOST", "FUNCTIONS_EMULATOR"):  # import as in production
        env.pop(name, None)
    if source is not None:
        env["PYTHONPATH"] = str(source)
    return env


def _measure(imports: str, source: Path | None) -> dict[str, Any]:
    code = TEMPLATE.format(imports=imports, heavy=HEAVY)
    done = subprocess.run(
        [str(PYTHON), "-c", code], cwd=ROOT, env=_env(source), capture_output=True, text=True, timeout=120
    )
    if done.returncode != 0:
        raise RuntimeError(f"import failed ({source or imports}):\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run(runs: int = RUNS) -> int:
    print(f"== Cold import of each codebase's main (median of {runs} fresh processes) ==")
    cases: dict[str, tuple[str, Path | None]] = {"baseline": (BASELINE, None)}
    cases.update({name: ("import main", ROOT / name) for name in CODEBASES})
    cases.update({f"{name} SDK": (sdk_imports(ROOT / name), None) for name in CODEBASES})
    samples: dict[str, list[float]] = {name: [] for name in cases}
    heavy: dict[str, set[str]] = {name: set() for name in cases}
    for round_ in range(runs + 1):  # interleaved, so drift hits every case alike
        for name, (imports, source) in cases.items():
            result = _measure(imports, source)
            if round_:
                samples[name].append(float(result["seconds"]))
            heavy[name].update(result["heavy"])
    base = statistics.median(samples["baseline"])
    print(f"baseline: from firebase_functions import https_fn, options, params; import firebase_admin: {base:.3f} s")
    header = f"{'codebase':<18}{'median s':>9}{'min s':>8}{'ratio':>8}{'SDK floor':>11}"
    print(f"{header}  heavy modules imported by `import main`")
    failed = False
    for name in CODEBASES:
        median = statistics.median(samples[name])
        loaded = ", ".join(sorted(heavy[name])) or "none"
        failed = failed or bool(heavy[name])
        floor = statistics.median(samples[f"{name} SDK"]) / base
        print(f"{name:<18}{median:>9.3f}{min(samples[name]):>8.3f}{median / base:>7.2f}x{floor:>10.2f}x  {loaded}")
    if failed:
        print(f"FAILED: `import main` must not import {', '.join(HEAVY)} (cold start)")
        return 1
    return 0
