"""Serving the simulator (or any aiohttp app) from a background thread.

with SimulatorThread() as paypal:       # own event loop, any free port
    paypal.base_url                     # http://127.0.0.1:<port>
    paypal.sim                          # the Simulator, for debugging
"""

from __future__ import annotations

from typing import Any

from devtools.paypal_sim.simulator import Simulator
from devtools.sim_kit.app_thread import AppThread


class SimulatorThread(AppThread):
    """A :class:`Simulator` served in-process (port 0: any free port)."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1", **settings: Any) -> None:
        self.sim = Simulator(**settings)
        super().__init__(self.sim.make_app, host=host, port=port, shutdown_timeout=2.0)

    def bound(self) -> None:
        self.sim.public_url = self.base_url
