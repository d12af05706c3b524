"""Serving the simulator in-process, from a background thread with its own event loop.

with SimulatorThread(policy=DeliveryPolicy(first_retry_delay=0.01)) as sim:
    requests.get(f"{sim.base_url}/bot{sim.sim.bot.token}/getMe")
"""

from __future__ import annotations

from devtools.sim_kit.app_thread import AppThread
from devtools.telegram_sim.delivery import DeliveryPolicy
from devtools.telegram_sim.simulator import DEFAULT_TOKEN, DEFAULT_USERNAME, Simulator


class SimulatorThread(AppThread):
    """A :class:`Simulator` served in-process; ``sim`` is the simulator itself."""

    def __init__(
        self,
        port: int = 0,
        host: str = "127.0.0.1",
        token: str = DEFAULT_TOKEN,
        username: str = DEFAULT_USERNAME,
        policy: DeliveryPolicy | None = None,
    ) -> None:
        self.sim = Simulator(token=token, username=username, policy=policy)
        super().__init__(self.sim.make_app, host=host, port=port)

    @property
    def api_base(self) -> str:
        """What the backend's ``TELEGRAM_API_BASE`` should be."""
        return self.base_url

    @property
    def bot_url(self) -> str:
        """``<base>/bot<token>``: append ``/<method>``."""
        return f"{self.base_url}/bot{self.sim.bot.token}"
