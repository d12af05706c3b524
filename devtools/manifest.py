"""Generate `functions-manifest.json` from the code: import each codebase and read the
endpoint that each firebase-functions decorator attached (`__firebase_endpoint__`).

`python -m devtools.manifest` writes and prints it; the web app reads callable regions from it.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CODEBASES = {"west1": "functions_west1", "west2": "functions_west2", "west3": "functions_west3"}
REGIONAL_VCPU_QUOTA = 10.0
# What each region is budgeted to use today: the rest of the quota is kept for the functions
# still to come (tested, not enforced by `make manifest`). 7.6 since the payouts (their webhooks,
# the admins' withdrawal callables and the reconciliation hold or move what the payment rails'
# secrets guard, so they live in west3).
REGIONAL_VCPU_BUDGET = 7.6

# vCPU that Cloud Run gives a "gcf_gen1" function for its memory size (MiB).
GEN1_CPU_BY_MEMORY = {128: 0.083, 256: 0.167, 512: 0.333, 1024: 0.583, 2048: 1.0, 4096: 2.0, 8192: 2.0, 16384: 4.0}


@cache
def load_main(codebase: str) -> Any:
    """Import a codebase's main.py under a unique name, with fresh global options."""
    from firebase_functions import options, params

    # Each codebase deploys alone: start from the SDK's blank global state for each one.
    options._GLOBAL_OPTIONS = options.RuntimeOptions()  # a codebase must set its own region
    params._params.clear()
    source = ROOT / CODEBASES[codebase]
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    if str(source) not in sys.path:
        sys.path.insert(0, str(source))  # a codebase's own modules (west3_*), as Firebase loads them
    spec = importlib.util.spec_from_file_location(f"{CODEBASES[codebase]}_main", source / "main.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _trigger(endpoint: Any) -> str:
    if endpoint.callableTrigger is not None:
        return "callable"
    if endpoint.httpsTrigger is not None:
        return "https"
    if endpoint.taskQueueTrigger is not None:
        return "taskQueue"
    if endpoint.scheduleTrigger is not None:
        return "schedule"
    if endpoint.blockingTrigger is not None:
        return f"blocking:{endpoint.blockingTrigger['eventType']}"
    if endpoint.eventTrigger is not None:
        return f"event:{endpoint.eventTrigger['eventType']}"
    return "unknown"


def _plain(value: Any) -> Any:
    from firebase_functions.private.util import Sentinel

    if isinstance(value, Sentinel):  # an option left to its default
        return None
    return value if isinstance(value, (int, float, str, type(None))) else str(value)


def vcpu(cpu: Any, memory_mb: Any) -> float:
    if isinstance(cpu, (int, float)):
        return float(cpu)
    return GEN1_CPU_BY_MEMORY.get(int(memory_mb or 256), 1.0)


def describe_codebase(codebase: str) -> list[dict[str, Any]]:
    module = load_main(codebase)
    entries = []
    for name, value in sorted(vars(module).items()):
        endpoint = getattr(value, "__firebase_endpoint__", None)
        if endpoint is None:
            continue
        memory = _plain(endpoint.availableMemoryMb)
        secrets = endpoint.secretEnvironmentVariables
        entries.append(
            {
                "name": name,
                "codebase": codebase,
                "region": (endpoint.region or [None])[0],
                "trigger": _trigger(endpoint),
                "retry": bool(endpoint.eventTrigger["retry"]) if endpoint.eventTrigger is not None else None,
                "secrets": sorted(s["key"] for s in secrets) if isinstance(secrets, list) else [],
                "cpu": _plain(endpoint.cpu),
                "vcpu": vcpu(endpoint.cpu, memory),
                "memoryMb": memory,
                "maxInstances": _plain(endpoint.maxInstances),
                "minInstances": _plain(endpoint.minInstances),
                "concurrency": _plain(endpoint.concurrency),
                "timeoutSeconds": _plain(endpoint.timeoutSeconds),
                "labels": dict(endpoint.labels or {}) if isinstance(endpoint.labels, dict) else {},
            }
        )
    return entries


def build_manifest() -> dict[str, Any]:
    functions = [entry for codebase in CODEBASES for entry in describe_codebase(codebase)]
    return {
        "functions": functions,
        "regions": vcpu_by_region(functions),
        "quotaVcpuPerRegion": REGIONAL_VCPU_QUOTA,
        "budgetVcpuPerRegion": REGIONAL_VCPU_BUDGET,
    }


def vcpu_by_region(functions: list[dict[str, Any]]) -> dict[str, float]:
    totals: dict[str, float] = {}
    for entry in functions:
        instances = entry["maxInstances"] if isinstance(entry["maxInstances"], int) else 100
        totals[entry["region"]] = round(totals.get(entry["region"], 0.0) + entry["vcpu"] * instances, 3)
    return totals


def main() -> int:
    """Write and print the manifest; 1 when a region exceeds the 10 vCPU quota."""
    manifest = build_manifest()
    text = json.dumps(manifest, indent=2)
    (ROOT / "functions-manifest.json").write_text(text + "\n")
    print(text)
    over = {r: v for r, v in manifest["regions"].items() if v > REGIONAL_VCPU_QUOTA}
    if over:
        print(f"regional vCPU quota exceeded: {over}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
