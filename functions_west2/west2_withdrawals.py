"""europe-west2 withdrawals: asked by affiliates and providers paid by PayPal (the admins list,
reject and pay them in west3, with the payment rails' secrets); the Telegram link that onboarding
needs."""

from __future__ import annotations

from typing import Any

from firebase_functions import https_fn, options

from shared.entry import wiring
from shared.entry.callables import run_callable
from shared.kernel.commands import parse_command

ADMIN_OPTIONS: dict[str, Any] = {
    "memory": options.MemoryOption.MB_256,
    "cpu": 0.08,  # one request at a time: the smallest CPU Cloud Run takes
    "max_instances": 1,
    "timeout_sec": 60,
}


@https_fn.on_call(memory=options.MemoryOption.MB_256, max_instances=2, timeout_sec=30)
def requestWithdrawal(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """`{amountCents, method: "paypal"|"wise"|"bank", details, requestId?}`: the amount leaves the wallet now."""
    from shared.payouts.services.commands import RequestWithdrawalCommand
    from shared.payouts.services.withdrawals import request_withdrawal

    result: dict[str, Any] = run_callable(
        req,
        lambda caller, data: request_withdrawal(
            parse_command(RequestWithdrawalCommand, data), caller, store=wiring.store(), clock=wiring.clock()
        ),
    )
    return result


@https_fn.on_call(**ADMIN_OPTIONS)
def generateTelegramLink(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """The affiliate: `{url, expiresAt}`, a one-time deep link to the bot (a new one replaces the last)."""
    from shared.kernel.config import telegram_bot_username
    from shared.payouts.services.telegram import generate_telegram_link

    result: dict[str, Any] = run_callable(
        req,
        lambda caller, _: generate_telegram_link(
            caller, store=wiring.store(), clock=wiring.clock(), bot_username=telegram_bot_username()
        ),
    )
    return result
