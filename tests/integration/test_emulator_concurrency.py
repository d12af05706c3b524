"""The Functions emulator gives a Python worker as many requests at once as the function declares.

Cloud Run sends up to `concurrency` requests to one instance (the Twilio webhooks declare 40).
The emulator, left alone, sends one at a time and starts a whole new Python worker for each
request that finds its workers busy; a burst of Twilio callbacks then waits behind interpreter
starts past Twilio's 15 s deadline and is lost. The stack preloads a patch into firebase-tools
(devtools/emulator_concurrency.cjs); this drives firebase-tools' own worker pool with one worker
in front of a real HTTP server and counts how many requests of a burst that one worker takes."""

import json
import os
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from devtools.stack import ROOT, emulator_node_options

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
    assert Path(EMULATOR_LIB).is_dir(), "node_modules missing: run `make setup`"
    env = {**os.environ, "NODE_OPTIONS": node_options}
    done = subprocess.run(
        ["node", str(BURST_ON_ONE_WORKER), str(EMULATOR_LIB), str(port), declared, str(BURST)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
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
