"""europe-west3 refunds: an admin gives back a call's captured payment (the Stripe secret lives here)."""

from __future__ import annotations

from typing import Any

from firebase_functions import https_fn

from shared.entry import wiring
from shared.entry.callables import ADMIN_LABELS, run_admin_callable
from shared.kernel.commands import parse_command
from west3_runtime import SMALL_CPU, SMALL_MEMORY, STRIPE_SECRET_KEY


@https_fn.on_call(
    secrets=[STRIPE_SECRET_KEY],
    memory=SMALL_MEMORY,
    cpu=SMALL_CPU,
    max_instances=1,
    timeout_sec=60,
    labels=ADMIN_LABELS,
)
def refundCallPayment(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """`{callSessionId, amountCents?, reason}` (admin): all that is left, or `amountCents` of it."""
    from shared.calls.services.commands import RefundCallPaymentCommand
    from shared.calls.services.refunds import refund_call_payment

    result: dict[str, Any] = run_admin_callable(
        req,
        "refundCallPayment",
        lambda caller, data: refund_call_payment(
            parse_command(RefundCallPaymentCommand, data),
            caller,
            store=wiring.store(),
            gateway=wiring.stripe_gateway(STRIPE_SECRET_KEY.value),
            clock=wiring.clock(),
        ),
    )
    return result
