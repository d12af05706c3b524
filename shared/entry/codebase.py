"""What every codebase's main.py does first: its region and default limits, logs, the app."""

from __future__ import annotations

from firebase_functions import options

from shared.kernel.adapters.firebase_app import firebase_app
from shared.kernel.logs import configure_logging


def configure_codebase(codebase: str, region: str, *, max_instances: int = 3) -> None:
    """Default options for every function declared afterwards: the codebase's one region,
    0.333 vCPU (gcf_gen1 at 512 MiB), one request at a time, scale-to-zero."""
    options.set_global_options(
        region=region,
        memory=options.MemoryOption.MB_512,
        cpu="gcf_gen1",
        concurrency=1,
        max_instances=max_instances,
        min_instances=0,
    )
    configure_logging(codebase)
    firebase_app()  # cheap; callable token verification needs the default app
