"""Serving the simulator (or any aiohttp application) from a background thread.

with SimulatorThread(webhook_url=...) as sim:    # in-process, own event loop, free port
    requests.get(f"{sim.base_url}/v1/profiles", headers={"Authorization": "Bearer ..."})
"""

from __future__ import annotations

from devtools.sim_kit.app_thread import AppThread
from devtools.wise_sim.simulator import DEFAULT_API_TOKEN, DEFAULT_PROFILE_ID, Simulator


class SimulatorThread(AppThread):
    """A :class:`Simulator` served in-process; ``sim`` is the object itself, for debugging."""

    def __init__(
        self,
        port: int = 0,
        host: str = "127.0.0.1",
        api_token: str = DEFAULT_API_TOKEN,
        profile_id: int = DEFAULT_PROFILE_ID,
        webhook_url: str | None = None,
    ) -> None:
        self.sim = Simulator(api_token=api_token, profile_id=profile_id, webhook_url=webhook_url)
        super().__init__(self.sim.make_app, host=host, port=port, shutdown_timeout=2.0)
