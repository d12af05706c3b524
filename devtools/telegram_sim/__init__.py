"""Local Telegram Bot API simulator. See README.md in this folder."""

from devtools.sim_kit.app_thread import AppThread, free_port
from devtools.telegram_sim.delivery import DeliveryPolicy
from devtools.telegram_sim.runner import SimulatorThread
from devtools.telegram_sim.simulator import (
    DEFAULT_PORT,
    DEFAULT_TOKEN,
    DEFAULT_USERNAME,
    Simulator,
)

__all__ = [
    "DEFAULT_PORT",
    "DEFAULT_TOKEN",
    "DEFAULT_USERNAME",
    "AppThread",
    "DeliveryPolicy",
    "Simulator",
    "SimulatorThread",
    "free_port",
]
