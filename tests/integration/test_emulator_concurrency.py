"""The Functions emulator gives a Python worker as many requests at once as the function declares.

Cloud Run sends up to `concurrency` requests to one instance (the Twilio webhooks declare 40).
The emulator, left alone, sends one at a time and starts a whole new Python worker for each
request that finds its workers busy; a burst of Twilio callbacks then waits behind interpreter
starts past Twilio's 15 s deadline and is lost. The stack preloads a patch into firebase-tools
(devtools/emulator_concurrency.cjs); this drives firebase-tools' own worker pool with one worker
in front of a real HTTP server and counts how many requests of a burst that one worker takes."""

import json
import os
import socket
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from devtools.stack import ROOT, emulator_node_options, functions_emulator_env

EMULATOR_LIB = ROOT / "node_modules" / "firebase-tools" / "lib" / "emulator"
BURST = 5

BURST_ON_ONE_WORKER = Path(__file__).with_name("emulator_burst_on_one_worker.js")


class _Worker(BaseHTTPRequestHandler):
    served: list[str] = []

    def do_GET(self) -> None:
        _Worker.served.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def worker() -> Iterator[int]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Worker)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    _Worker.served = []
    yield httpd.server_address[1]
    httpd.shutdown()


def _burst(port: int, declared: str, node_options: str) -> dict[str, object]:
    env = {**os.environ, "NODE_OPTIONS": node_options}
    return _node_json(BURST_ON_ONE_WORKER, env, str(port), declared, str(BURST))


def _node_json(script: Path, env: dict[str, str], *args: str) -> dict[str, object]:
    """Run a driver script against firebase-tools' emulator library; its last line, as JSON."""
    assert Path(EMULATOR_LIB).is_dir(), "node_modules missing: run `make setup`"
    done = subprocess.run(
        ["node", str(script), str(EMULATOR_LIB), *args], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_one_worker_takes_as_many_requests_as_the_function_declares(worker: int) -> None:
    assert _burst(worker, "3", emulator_node_options("")) == {"taken": 3, "readyAfterwards": True}
    assert len(_Worker.served) == 3


def test_a_function_that_declares_one_request_at_a_time_keeps_it(worker: int) -> None:
    assert _burst(worker, "1", emulator_node_options(""))["taken"] == 1


def test_a_function_that_declares_nothing_gets_one_at_a_time(worker: int) -> None:
    assert _burst(worker, "none", emulator_node_options(""))["taken"] == 1


def test_without_the_patch_the_emulator_ignores_the_declared_concurrency(worker: int) -> None:
    assert _burst(worker, "3", "")["taken"] == 1


WORKER_THAT_NEVER_STARTS = Path(__file__).with_name("emulator_worker_never_starts.js")


def _never_starts(node_options: str) -> str:
    env = {**os.environ, "NODE_OPTIONS": node_options}
    done = subprocess.run(
        ["node", str(WORKER_THAT_NEVER_STARTS), str(EMULATOR_LIB)], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_a_request_whose_worker_never_starts_is_answered_503_so_the_sender_retries() -> None:
    assert _never_starts(emulator_node_options("")) == "503"


def test_without_the_patch_that_request_is_never_answered() -> None:
    assert _never_starts("") == "unanswered"


WORKER_THAT_STARTS_SLOWLY = Path(__file__).with_name("emulator_slow_worker_start.js")
SLOW_START = 6


def _slow_start(env: dict[str, str]) -> dict[str, object]:
    with socket.socket() as probe:  # a port free now, opened by the worker after SLOW_START s
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return _node_json(WORKER_THAT_STARTS_SLOWLY, env, str(port), str(SLOW_START))


def test_the_stack_waits_for_a_slow_worker_and_logs_how_long_it_took() -> None:
    result = _slow_start({**os.environ, **functions_emulator_env("")})
    assert result["ready"] is True
    logged = result["logged"]
    assert isinstance(logged, list)
    [warning] = [line for line in logged if line.startswith("WARN")]
    assert warning.startswith('WARN worker of "europe-west3-processTwilioCallback" took 6.')


def test_a_worker_slower_than_the_start_allowance_fails_to_load() -> None:
    # The emulator's own allowance (30 s) is what the stack raises: firebase-tools reads this variable.
    assert int(functions_emulator_env("")["FUNCTIONS_DISCOVERY_TIMEOUT"]) > 30
    env = {**os.environ, "NODE_OPTIONS": emulator_node_options(""), "FUNCTIONS_DISCOVERY_TIMEOUT": str(SLOW_START - 3)}
    assert _slow_start(env)["ready"] is False
