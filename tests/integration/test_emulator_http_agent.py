"""The Functions emulator's connections to its Python workers are not kept alive.

gunicorn (the workers' server) closes an idle kept-alive connection after 2 s; a request the
emulator writes on it at that moment fails with "socket hang up". The stack preloads a module
into firebase-tools' Node that gives the global agent one connection per request."""

import os
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from devtools.stack import emulator_node_options

REQUEST = """
const http = require("http");
const req = http.request({host: "127.0.0.1", port: Number(process.argv[1]), path: "/"}, (res) => {
  res.resume();
  res.on("end", () => console.log(String(http.globalAgent.keepAlive)));
});
req.end();
"""


class _Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list[str] = []

    def do_GET(self) -> None:
        _Recorder.seen.append(self.headers.get("Connection", ""))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[int]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    _Recorder.seen = []
    yield httpd.server_address[1]
    httpd.shutdown()


def _node(port: int, node_options: str) -> str:
    env = {**os.environ, "NODE_OPTIONS": node_options}
    done = subprocess.run(["node", "-e", REQUEST, str(port)], env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_preload_gives_one_connection_per_request(server: int) -> None:
    assert _node(server, emulator_node_options("")) == "false"
    assert _Recorder.seen == ["close"]


def test_without_it_this_node_keeps_connections_alive(server: int) -> None:
    assert _node(server, "") == "true"
    assert _Recorder.seen == ["keep-alive"]


def test_options_already_set_are_kept() -> None:
    assert emulator_node_options("--max-old-space-size=2048").startswith("--max-old-space-size=2048 --require ")
