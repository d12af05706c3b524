"""Child processes in their own process group, stopped with their whole group."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path


class ManagedProcess:
    def __init__(self, name: str, argv: list[str], *, env: dict[str, str], cwd: Path, log_path: Path) -> None:
        self.name = name
        self.log_path = log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.popen = subprocess.Popen(
            argv, env=env, cwd=cwd, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def stop(self, grace_seconds: float = 10.0) -> None:
        stop_all([self], grace_seconds)

    def signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, sig)  # start_new_session: the child leads its own group

    def _group_alive(self, pgid: int) -> bool:
        self.popen.poll()  # reap the leader so a zombie does not count
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        return True


def stop_all(processes: list[ManagedProcess], grace_seconds: float = 20.0) -> None:
    """SIGINT every group at once (clean shutdown), then SIGKILL whatever is left, including
    descendants that left the group (firebase-tools starts the Firestore JVM detached)."""
    strays = {pid for p in processes for pid in descendants(p.popen.pid)}
    for sig, wait in ((signal.SIGINT, grace_seconds), (signal.SIGKILL, 5.0)):
        alive = [p for p in processes if p._group_alive(p.popen.pid)]
        for process in alive:
            process.signal_group(sig)
        deadline = time.monotonic() + wait
        while alive and time.monotonic() < deadline:
            time.sleep(0.1)
            alive = [p for p in alive if p._group_alive(p.popen.pid)]
    for pid in strays:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    for process in processes:
        process._log.close()


def descendants(root: int) -> set[int]:
    """Every live process under `root` (from /proc), whatever its process group."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry))
    found: set[int] = set()
    stack = [root]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def port_open(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.3)
        return sock.connect_ex((host, port)) == 0


def wait_until(check: Callable[[], bool], *, timeout: float, what: str, poll: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(poll)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")


def start_python_service(
    name: str, module: str, args: list[str], port: int, *, python: Path, env: dict[str, str], cwd: Path, log_dir: Path
) -> ManagedProcess:
    """`python -m module args...`, logged to `log_dir/name.log`, once it listens on `port`."""
    process = ManagedProcess(
        name, [str(python), "-m", module, *args], env=env, cwd=cwd, log_path=log_dir / f"{name}.log"
    )
    try:
        wait_until(lambda: port_open("127.0.0.1", port), timeout=20, what=f"the {name}")
    except BaseException:
        process.stop()
        raise
    return process
