"""Start/stop helpers: in a background thread or as a subprocess.

with SimulatorThread(speed=600) as sim:          # in-process
    client.api.base_url = sim.base_url

with SimulatorProcess(speed=600) as sim:         # python -m devtools.twilio_sim
    ...
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from devtools.sim_kit.app_thread import AppThread, free_port
from devtools.twilio_sim.simulator import (
    DEFAULT_ACCOUNT_SID,
    DEFAULT_AUTH_TOKEN,
    Simulator,
)

REPO_ROOT = Path(__file__).resolve().parents[2]


class SimulatorThread(AppThread):
    """A :class:`Simulator` served in-process (port 0 = any free port)."""

    def __init__(
        self,
        port: int = 0,
        host: str = "127.0.0.1",
        account_sid: str = DEFAULT_ACCOUNT_SID,
        auth_token: str = DEFAULT_AUTH_TOKEN,
        speed: float = 60.0,
    ) -> None:
        self.sim = Simulator(account_sid=account_sid, auth_token=auth_token, speed=speed)
        super().__init__(self.sim.make_app, host=host, port=port)

    def __enter__(self) -> Self:
        self.start()
        return self


class SimulatorProcess:
    """``python -m devtools.twilio_sim`` as a child process."""

    def __init__(
        self,
        port: int | None = None,
        account_sid: str = DEFAULT_ACCOUNT_SID,
        auth_token: str = DEFAULT_AUTH_TOKEN,
        speed: float = 60.0,
        python: str = sys.executable,
    ) -> None:
        self.port = port or free_port()
        self.args = [
            python, "-m", "devtools.twilio_sim", "--port", str(self.port),
            "--account-sid", account_sid, "--auth-token", auth_token, "--speed", str(speed),
        ]  # fmt: skip
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> Self:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
        self.process = subprocess.Popen(
            self.args,
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"simulator exited with {self.process.returncode}: {err}")
            if self.health() is not None:
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("simulator did not become healthy in time")

    def health(self) -> dict[str, Any] | None:
        try:
            with urllib.request.urlopen(f"{self.base_url}/_sim/health", timeout=1) as resp:
                data: dict[str, Any] = json.loads(resp.read())
                return data
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            return None

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)
        if self.process.stderr:
            self.process.stderr.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
