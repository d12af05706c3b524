"""europe-west3 payouts: paying a withdrawal (admins) and the payment rails' and Telegram's
webhooks (their secrets live only here)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from firebase_functions import https_fn, options, scheduler_fn
from flask import Request, Response

from shared.entry import wiring
from shared.entry.callables import ADMIN_LABELS, run_admin_callable
from shared.kernel.commands import parse_command
from west3_runtime import (
    PAYPAL_CLIENT_ID,
    PAYPAL_CLIENT_SECRET,
    PAYPAL_SECRETS,
    PAYPAL_WEBHOOK_ID,
    SMALL_CPU,
    SMALL_MEMORY,
    TELEGRAM_BOT_TOKEN,
    TELEGRAM_WEBHOOK_SECRET,
    WISE_API_TOKEN,
    WISE_PROFILE_ID,
    WISE_SECRETS,
    WISE_WEBHOOK_PUBLIC_KEY,
    logger,
)

if TYPE_CHECKING:
    from shared.payouts.ports.rails import PayPalPayouts, WisePayouts
    from shared.payouts.services.answers import WebhookAnswer

ADMIN_OPTIONS: dict[str, Any] = {"memory": SMALL_MEMORY, "cpu": SMALL_CPU, "max_instances": 1, "timeout_sec": 60}
WEBHOOK_OPTIONS: dict[str, Any] = {"memory": SMALL_MEMORY, "cpu": SMALL_CPU, "max_instances": 1, "timeout_sec": 30}


def _paypal() -> PayPalPayouts:
    return wiring.paypal_payouts(PAYPAL_CLIENT_ID.value, PAYPAL_CLIENT_SECRET.value, PAYPAL_WEBHOOK_ID.value)


def _wise() -> WisePayouts:
    return wiring.wise_payouts(WISE_API_TOKEN.value, WISE_PROFILE_ID.value, WISE_WEBHOOK_PUBLIC_KEY.value)


def _response(answer: WebhookAnswer) -> Response:
    return Response(json.dumps(answer.body), status=answer.status, content_type="application/json")


@https_fn.on_call(**ADMIN_OPTIONS, labels=ADMIN_LABELS)
def listWithdrawals(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """`{status?}`: withdrawals, oldest first."""
    from shared.payouts.services.commands import ListWithdrawalsCommand
    from shared.payouts.services.withdrawals import list_withdrawals

    result: dict[str, Any] = run_admin_callable(
        req,
        "listWithdrawals",
        lambda caller, data: list_withdrawals(
            parse_command(ListWithdrawalsCommand, data if data is not None else {}), caller, store=wiring.store()
        ),
    )
    return result


@https_fn.on_call(**ADMIN_OPTIONS, labels=ADMIN_LABELS)
def rejectWithdrawal(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """`{withdrawalId, reason}`: refused, the amount goes back to the wallet."""
    from shared.payouts.services.commands import RejectWithdrawalCommand
    from shared.payouts.services.withdrawals import reject_withdrawal

    result: dict[str, Any] = run_admin_callable(
        req,
        "rejectWithdrawal",
        lambda caller, data: reject_withdrawal(
            parse_command(RejectWithdrawalCommand, data), caller, store=wiring.store(), clock=wiring.clock()
        ),
    )
    return result


@https_fn.on_call(secrets=[*PAYPAL_SECRETS, *WISE_SECRETS], **ADMIN_OPTIONS, labels=ADMIN_LABELS)
def processWithdrawal(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """`{withdrawalId, bankReference?}`: a bank transfer the admin made is marked paid; a PayPal or
    Wise withdrawal is sent to its rail (`processing` until the rail's news)."""
    from shared.payouts.services.commands import ProcessWithdrawalCommand
    from shared.payouts.services.sending import Rails, process_withdrawal

    rails = Rails(paypal=_paypal, wise=_wise)
    result: dict[str, Any] = run_admin_callable(
        req,
        "processWithdrawal",
        lambda caller, data: process_withdrawal(
            parse_command(ProcessWithdrawalCommand, data),
            caller,
            store=wiring.store(),
            clock=wiring.clock(),
            rails=rails,
        ),
    )
    return result


@https_fn.on_request(secrets=PAYPAL_SECRETS, **WEBHOOK_OPTIONS)
def paypalPayoutsWebhook(req: Request) -> Response:
    """PayPal's `PAYMENT.PAYOUTS-ITEM.*` events, verified through verify-webhook-signature."""
    from shared.payouts.services.rail_webhooks import handle_paypal_webhook

    if req.method != "POST":
        return Response("method not allowed", status=405)
    return _response(
        handle_paypal_webhook(
            dict(req.headers), req.get_data(cache=False), store=wiring.store(), clock=wiring.clock(), paypal=_paypal
        )
    )


@https_fn.on_request(secrets=WISE_SECRETS, **WEBHOOK_OPTIONS)
def wiseTransfersWebhook(req: Request) -> Response:
    """Wise's `transfers#state-change` events, RSA-signed (`X-Signature-SHA256`)."""
    from shared.payouts.services.rail_webhooks import handle_wise_webhook

    if req.method != "POST":
        return Response("method not allowed", status=405)
    return _response(
        handle_wise_webhook(
            req.get_data(cache=False),
            req.headers.get("X-Signature-SHA256"),
            store=wiring.store(),
            clock=wiring.clock(),
            wise=_wise,
        )
    )


@https_fn.on_call(secrets=[*PAYPAL_SECRETS, *WISE_SECRETS], **ADMIN_OPTIONS, labels=ADMIN_LABELS)
def reconcilePayouts(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """Every wallet against its ledger and every recent payout against the rail's record."""
    from shared.payouts.services.reconciliation import reconcile_payouts_command
    from shared.payouts.services.sending import Rails

    rails = Rails(paypal=_paypal, wise=_wise)
    result: dict[str, Any] = run_admin_callable(
        req,
        "reconcilePayouts",
        lambda caller, data: reconcile_payouts_command(caller, store=wiring.store(), clock=wiring.clock(), rails=rails),
    )
    return result


@scheduler_fn.on_schedule(
    schedule="every day 04:30",
    timezone=options.Timezone("UTC"),
    secrets=[*PAYPAL_SECRETS, *WISE_SECRETS],
    **{**ADMIN_OPTIONS, "timeout_sec": 540},
)
def reconcilePayoutsDaily(event: scheduler_fn.ScheduledEvent) -> None:
    from shared.payouts.services.reconciliation import record_reconciliation
    from shared.payouts.services.sending import Rails

    report = record_reconciliation(store=wiring.store(), clock=wiring.clock(), rails=Rails(paypal=_paypal, wise=_wise))
    log = logger.error if report["unexplainedCents"] else logger.info
    log("payouts reconciliation: %s unexplained cents", report["unexplainedCents"])


@https_fn.on_request(secrets=[TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET], **WEBHOOK_OPTIONS)
def telegramBotWebhook(req: Request) -> Response:
    """Telegram's updates (setWebhook with secret_token): `/start <token>` links the affiliate."""
    from shared.kernel.config import telegram_api_base
    from shared.payouts.adapters.telegram_bot import HttpTelegramBot
    from shared.payouts.services.telegram import handle_telegram_update

    if req.method != "POST":
        return Response("method not allowed", status=405)
    return _response(
        handle_telegram_update(
            req.headers.get("X-Telegram-Bot-Api-Secret-Token"),
            req.get_data(cache=False),
            expected_secret=TELEGRAM_WEBHOOK_SECRET.value,
            store=wiring.store(),
            clock=wiring.clock(),
            bot=lambda: HttpTelegramBot(TELEGRAM_BOT_TOKEN.value, telegram_api_base()),
        )
    )
