"""What `make bench` runs a booking on: a private Firestore emulator and localstripe on free ports
(stopped with their process groups), a store that counts its operations by step, and recording
fakes of Twilio and Cloud Tasks."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from devtools.firestore_launcher import GCLOUD_FIRESTORE_JAR, MAIN_CLASS
from devtools.processes import ManagedProcess, port_open, wait_until
from devtools.stack import ROOT, java_home
from shared.calls.ports.telephony import CallCost, CallRecord, DialRequest, Telephony
from shared.kernel.adapters.firestore_store import FirestoreDocumentStore
from shared.kernel.tasks import TaskScheduler

T = TypeVar("T")
PROJECT = "demo-sos-expat-bench"
LOGS = ROOT / ".local" / "logs" / "bench"


class BenchFailed(Exception):
    pass


@dataclass
class RecordingTelephony(Telephony):
    calls: list[tuple[DialRequest, str]] = field(default_factory=list)
    hung_up: list[str] = field(default_factory=list)
    sms: list[tuple[str, str]] = field(default_factory=list)

    def place_call(self, request: DialRequest) -> str:
        sid = f"CA{len(self.calls) + 1:032x}"
        self.calls.append((request, sid))
        return sid

    def hang_up(self, call_sid: str) -> None:
        self.hung_up.append(call_sid)

    def call_cost(self, call_sid: str) -> CallCost | None:
        return CallCost(micros=13_000, currency="usd")  # priced by the time the call is settled

    def call_record(self, call_sid: str) -> CallRecord:
        raise BenchFailed("the bench booking never asks Twilio for a call record")

    def send_sms(self, to: str, body: str) -> str:
        self.sms.append((to, body))
        return f"SM{len(self.sms):032x}"


@dataclass
class RecordingTasks(TaskScheduler):
    pending: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)

    def enqueue(self, function: str, payload: dict[str, Any], *, task_id: str, delay_seconds: int = 0) -> bool:
        if task_id in self.ids:
            return False
        self.ids.add(task_id)
        self.pending.append((function, payload))
        return True

    def take(self, function: str = "executeScheduledCall") -> dict[str, Any]:
        """The payload of the first task enqueued for `function`."""
        for index, (queued, payload) in enumerate(self.pending):
            if queued == function:
                del self.pending[index]
                return payload
        raise BenchFailed(f"no {function} task was enqueued (pending: {[f for f, _ in self.pending]})")


@dataclass
class Meter:
    store: FirestoreDocumentStore
    rows: list[tuple[str, int, int, int]] = field(default_factory=list)

    def run(self, name: str, fn: Callable[[], T]) -> T:
        c = self.store.counts
        before = (c.reads, c.writes, c.transactions)
        result = fn()
        self.rows.append((name, c.reads - before[0], c.writes - before[1], c.transactions - before[2]))
        return result

    def print_table(self, total: str = "TOTAL per completed booking") -> None:
        width = max(len(row[0]) for row in self.rows) + 2
        print(f"{'step':<{width}}{'reads':>7}{'writes':>8}{'tx':>5}")
        for name, reads, writes, txs in self.rows:
            print(f"{name:<{width}}{reads:>7}{writes:>8}{txs:>5}")
        reads, writes, txs = (sum(column) for column in zip(*(row[1:] for row in self.rows), strict=True))
        print(f"{total:<{width}}{reads:>7}{writes:>8}{txs:>5}")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def servers() -> Iterator[tuple[str, str]]:
    """(firestore host, localstripe URL) on free ports; both process groups stopped at exit."""
    fs_port, stripe_port = free_port(), free_port()
    java = str(java_home() / "bin" / "java")
    argv = [java, "-cp", str(GCLOUD_FIRESTORE_JAR), MAIN_CLASS, "start", "--host=127.0.0.1", f"--port={fs_port}"]
    env = dict(os.environ)
    started: list[ManagedProcess] = []
    try:
        started.append(ManagedProcess("firestore", argv, env=env, cwd=ROOT, log_path=LOGS / "firestore.log"))
        stripe_argv = [sys.executable, "-m", "devtools.localstripe_ext", "--port", str(stripe_port)]
        started.append(ManagedProcess("localstripe", stripe_argv, env=env, cwd=ROOT, log_path=LOGS / "localstripe.log"))
        wait_until(lambda: port_open("127.0.0.1", fs_port), timeout=60, what="the Firestore emulator")
        wait_until(lambda: port_open("127.0.0.1", stripe_port), timeout=20, what="localstripe")
        yield f"127.0.0.1:{fs_port}", f"http://127.0.0.1:{stripe_port}"
    finally:
        for process in reversed(started):
            process.stop()


def firestore_store(host: str) -> FirestoreDocumentStore:
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import firestore

    previous = os.environ.get("FIRESTORE_EMULATOR_HOST")
    os.environ["FIRESTORE_EMULATOR_HOST"] = host  # read once, when the client is built
    try:
        client = firestore.Client(project=PROJECT, credentials=AnonymousCredentials())  # type: ignore[no-untyped-call]
    finally:
        if previous is None:
            del os.environ["FIRESTORE_EMULATOR_HOST"]
        else:
            os.environ["FIRESTORE_EMULATOR_HOST"] = previous
    return FirestoreDocumentStore(client)
