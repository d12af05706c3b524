"""Local PayPal Payouts simulator (OAuth2, Payouts v1, signed webhooks, virtual clock).
See README.md in this folder."""

from devtools.paypal_sim.runner import SimulatorThread
from devtools.paypal_sim.simulator import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_HOST,
    DEFAULT_PORT,
    DEFAULT_WEBHOOK_ID,
    DEFAULT_WEBHOOK_URL,
    Simulator,
)
from devtools.sim_kit.app_thread import AppThread

__all__ = [
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "DEFAULT_WEBHOOK_ID",
    "DEFAULT_WEBHOOK_URL",
    "AppThread",
    "Simulator",
    "SimulatorThread",
]
