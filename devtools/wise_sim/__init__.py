"""Local Wise Platform API simulator (payouts). See README.md in this folder."""

from devtools.sim_kit.app_thread import AppThread, free_port
from devtools.wise_sim.runner import SimulatorThread
from devtools.wise_sim.signing import SIGNATURE_HEADER, verify
from devtools.wise_sim.simulator import (
    DEFAULT_API_TOKEN,
    DEFAULT_HOST,
    DEFAULT_PORT,
    DEFAULT_PROFILE_ID,
    DEFAULT_WEBHOOK_URL,
    Simulator,
)

__all__ = [
    "DEFAULT_API_TOKEN",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "DEFAULT_PROFILE_ID",
    "DEFAULT_WEBHOOK_URL",
    "SIGNATURE_HEADER",
    "AppThread",
    "Simulator",
    "SimulatorThread",
    "free_port",
    "verify",
]
