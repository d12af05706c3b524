"""The Telegram Bot API simulator in the local stack: started beside the emulators, with the
bot's webhook set to telegramBotWebhook and the secret the functions expect, as `setWebhook`
is called once in production."""

from __future__ import annotations

from pathlib import Path

import requests

from devtools import ports
from devtools.processes import ManagedProcess, start_python_service

API = f"http://{ports.HOST}:{ports.TELEGRAM_SIM_PORT}"


def start_telegram_simulator(python: Path, env: dict[str, str], cwd: Path, log_dir: Path) -> ManagedProcess:
    args = ["--port", str(ports.TELEGRAM_SIM_PORT), "--token", ports.TELEGRAM_BOT_TOKEN]
    args += ["--username", ports.TELEGRAM_BOT_USERNAME, "--retry-delay", "0.2"]
    process = start_python_service(
        "telegram-simulator",
        "devtools.telegram_sim",
        args,
        ports.TELEGRAM_SIM_PORT,
        python=python,
        env=env,
        cwd=cwd,
        log_dir=log_dir,
    )
    try:
        set_webhook()
    except BaseException:
        process.stop()
        raise
    return process


def set_webhook() -> None:
    response = requests.post(
        f"{API}/bot{ports.TELEGRAM_BOT_TOKEN}/setWebhook",
        json={
            "url": ports.function_url("europe-west3", "telegramBotWebhook"),
            "secret_token": ports.TELEGRAM_WEBHOOK_SECRET,
        },
        timeout=10,
    )
    response.raise_for_status()
