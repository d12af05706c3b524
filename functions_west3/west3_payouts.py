"""europe-west3 payouts: paying a withdrawal (admins) and the payment rails' and Telegram's
webhooks (their secrets live only here)."""

from __future__ import annotations

from typing import Any

from firebase_functions import https_fn
from flask import Request, Response

from shared.entry import wiring
from shared.entry.callables import run_callable
from shared.kernel.commands import parse_command
from west3_runtime import SMALL_CPU, SMALL_MEMORY, TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET

ADMIN_OPTIONS: dict[str, Any] = {"memory": SMALL_MEMORY, "cpu": SMALL_CPU, "max_instances": 1, "timeout_sec": 60}


@https_fn.on_call(**ADMIN_OPTIONS)
def processWithdrawal(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """`{withdrawalId, bankReference?}`: a bank transfer the admin made is marked paid."""
    from shared.payouts.services.commands import ProcessWithdrawalCommand
    from shared.payouts.services.withdrawals import mark_bank_withdrawal_paid

    result: dict[str, Any] = run_callable(
        req,
        lambda caller, data: mark_bank_withdrawal_paid(
            parse_command(ProcessWithdrawalCommand, data), caller, store=wiring.store(), clock=wiring.clock()
        ),
    )
    return result


@https_fn.on_request(
    secrets=[TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET],
    memory=SMALL_MEMORY,
    cpu=SMALL_CPU,
    max_instances=1,
    timeout_sec=30,
)
def telegramBotWebhook(req: Request) -> Response:
    """Telegram's updates (setWebhook with secret_token): `/start <token>` links the affiliate."""
    import json

    from shared.kernel.config import telegram_api_base
    from shared.payouts.adapters.telegram_bot import HttpTelegramBot
    from shared.payouts.services.telegram import handle_telegram_update

    if req.method != "POST":
        return Response("method not allowed", status=405)
    answer = handle_telegram_update(
        req.headers.get("X-Telegram-Bot-Api-Secret-Token"),
        req.get_data(cache=False),
        expected_secret=TELEGRAM_WEBHOOK_SECRET.value,
        store=wiring.store(),
        clock=wiring.clock(),
        bot=lambda: HttpTelegramBot(TELEGRAM_BOT_TOKEN.value, telegram_api_base()),
    )
    return Response(json.dumps(answer.body), status=answer.status, content_type="application/json")
