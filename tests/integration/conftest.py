"""Real local servers for integration tests: the Firestore emulator (gcloud jar) and the
patched localstripe, each on a free port, stopped with their process groups."""

from __future__ import annotations

import json
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from devtools.firestore_launcher import GCLOUD_FIRESTORE_JAR, MAIN_CLASS
from devtools.processes import ManagedProcess, port_open, wait_until
from devtools.stack import ROOT, java_home
from shared.kernel.adapters.firestore_store import FirestoreDocumentStore

PROJECT = "demo-sos-expat-it"
LOGS = ROOT / ".local" / "logs" / "integration"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def firestore_host() -> Iterator[str]:
    port = free_port()
    process = ManagedProcess(
        "firestore",
        [
            str(java_home() / "bin" / "java"),
            "-cp",
            str(GCLOUD_FIRESTORE_JAR),
            MAIN_CLASS,
            "start",
            "--host=127.0.0.1",
            f"--port={port}",
        ],
        env=dict(os.environ),
        cwd=ROOT,
        log_path=LOGS / "firestore.log",
    )
    try:
        wait_until(lambda: port_open("127.0.0.1", port), timeout=60, what="the Firestore emulator")
        host = f"127.0.0.1:{port}"
        os.environ["FIRESTORE_EMULATOR_HOST"] = host
        yield host
    finally:
        process.stop()


@pytest.fixture
def firestore_client(firestore_host: str) -> Any:
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import firestore

    requests.delete(
        f"http://{firestore_host}/emulator/v1/projects/{PROJECT}/databases/(default)/documents", timeout=10
    ).raise_for_status()
    return firestore.Client(project=PROJECT, credentials=AnonymousCredentials())  # type: ignore[no-untyped-call]


@pytest.fixture
def store(firestore_client: Any) -> FirestoreDocumentStore:
    return FirestoreDocumentStore(firestore_client)


@pytest.fixture(scope="session")
def localstripe_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    process = ManagedProcess(
        "localstripe",
        [str(ROOT / ".venv" / "bin" / "python"), "-m", "devtools.localstripe_ext", "--port", str(port)],
        env=dict(os.environ),
        cwd=ROOT,
        log_path=LOGS / "localstripe.log",
    )
    try:
        wait_until(lambda: port_open("127.0.0.1", port), timeout=20, what="localstripe")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.stop()


@pytest.fixture
def stripe_api(localstripe_url: str) -> Iterator[str]:
    requests.delete(f"{localstripe_url}/_config/data", timeout=5).raise_for_status()
    yield localstripe_url


class WebhookReceiver:
    """A local HTTP endpoint that localstripe delivers signed webhooks to."""

    def __init__(self, respond: Callable[[bytes, str | None], tuple[int, str]]) -> None:
        self.respond = respond
        self.deliveries: list[dict[str, Any]] = []
        self._cond = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status, text = receiver.respond(body, self.headers.get("Stripe-Signature"))
                with receiver._cond:
                    receiver.deliveries.append({"event": json.loads(body), "status": status})
                    receiver._cond.notify_all()
                self.send_response(status)
                self.end_headers()
                self.wfile.write(text.encode())

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/stripe"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, predicate: Callable[[list[dict[str, Any]]], bool], timeout: float = 15) -> list[dict[str, Any]]:
        with self._cond:
            if not self._cond.wait_for(lambda: predicate(self.deliveries), timeout=timeout):
                raise AssertionError(f"webhooks never matched; got {[d['event']['type'] for d in self.deliveries]}")
            return list(self.deliveries)

    def types(self) -> list[str]:
        with self._cond:
            return [d["event"]["type"] for d in self.deliveries]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook_receiver(stripe_api: str) -> Iterator[Callable[..., WebhookReceiver]]:
    made: list[WebhookReceiver] = []

    def make(respond: Callable[[bytes, str | None], tuple[int, str]], secret: str) -> WebhookReceiver:
        receiver = WebhookReceiver(respond)
        requests.post(
            f"{stripe_api}/_config/webhooks/{uuid.uuid4().hex}", data={"url": receiver.url, "secret": secret}, timeout=5
        ).raise_for_status()
        made.append(receiver)
        return receiver

    yield make
    for receiver in made:
        receiver.close()


def pickle_path() -> Path:
    return Path("/tmp/localstripe.pickle")
