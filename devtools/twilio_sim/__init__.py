"""Local Twilio carrier simulator. See README.md in this folder."""

from devtools.sim_kit.app_thread import AppThread, free_port
from devtools.twilio_sim.runner import SimulatorProcess, SimulatorThread
from devtools.twilio_sim.simulator import (
    DEFAULT_ACCOUNT_SID,
    DEFAULT_AUTH_TOKEN,
    DEFAULT_PORT,
    DEFAULT_SPEED,
    Simulator,
)

__all__ = [
    "DEFAULT_ACCOUNT_SID",
    "DEFAULT_AUTH_TOKEN",
    "DEFAULT_PORT",
    "DEFAULT_SPEED",
    "AppThread",
    "Simulator",
    "SimulatorProcess",
    "SimulatorThread",
    "free_port",
]
