"""The PayPal Payouts and Wise simulators in the local stack, with their webhooks pointed at
paypalPayoutsWebhook and wiseTransfersWebhook. Wise's simulator makes its signing key at start:
its public key is read back, to be given to the functions as WISE_WEBHOOK_PUBLIC_KEY."""

from __future__ import annotations

from pathlib import Path

import requests

from devtools import ports
from devtools.processes import ManagedProcess, start_python_service

PAYPAL_API = f"http://{ports.HOST}:{ports.PAYPAL_SIM_PORT}"
WISE_API = f"http://{ports.HOST}:{ports.WISE_SIM_PORT}"
# Wise retries a failed delivery for two weeks; here a few seconds are enough for a send to
# record its transfer before the transfer's news is accepted.
WISE_RETRIES = {"max_attempts": 6, "backoff_seconds": 0.25, "timeout_seconds": 30}


def start_paypal_simulator(python: Path, env: dict[str, str], cwd: Path, log_dir: Path) -> ManagedProcess:
    args = ["--port", str(ports.PAYPAL_SIM_PORT), "--client-id", ports.PAYPAL_CLIENT_ID]
    args += ["--client-secret", ports.PAYPAL_CLIENT_SECRET, "--webhook-id", ports.PAYPAL_WEBHOOK_ID]
    args += ["--webhook-url", ports.function_url("europe-west3", "paypalPayoutsWebhook")]
    process = start_python_service(
        "paypal-simulator",
        "devtools.paypal_sim",
        args,
        ports.PAYPAL_SIM_PORT,
        python=python,
        env=env,
        cwd=cwd,
        log_dir=log_dir,
    )
    try:  # a first delivery may wait for the emulator to start west3's worker
        requests.post(f"{PAYPAL_API}/_control/webhook", json={"timeout_seconds": 30}, timeout=10).raise_for_status()
    except BaseException:
        process.stop()
        raise
    return process


def start_wise_simulator(python: Path, env: dict[str, str], cwd: Path, log_dir: Path) -> tuple[ManagedProcess, str]:
    """The simulator and its webhook public key (PEM)."""
    args = ["--port", str(ports.WISE_SIM_PORT), "--api-token", ports.WISE_API_TOKEN]
    args += ["--profile-id", str(ports.WISE_PROFILE_ID)]
    args += ["--webhook-url", ports.function_url("europe-west3", "wiseTransfersWebhook")]
    process = start_python_service(
        "wise-simulator",
        "devtools.wise_sim",
        args,
        ports.WISE_SIM_PORT,
        python=python,
        env=env,
        cwd=cwd,
        log_dir=log_dir,
    )
    try:
        requests.post(f"{WISE_API}/_control/webhook", json=WISE_RETRIES, timeout=10).raise_for_status()
        key = requests.get(f"{WISE_API}/_control/public-key", timeout=10)
        key.raise_for_status()
    except BaseException:
        process.stop()
        raise
    return process, key.text
