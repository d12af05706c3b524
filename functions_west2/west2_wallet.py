"""europe-west2 affiliate money seen from the dashboard side: the rate commissions are
converted at, and the reconciliation of a wallet with its ledger (admins)."""

from __future__ import annotations

from typing import Any

from firebase_functions import https_fn, options

from shared.entry import wiring
from shared.entry.callables import ADMIN_LABELS, run_admin_callable
from shared.kernel.commands import parse_command

ADMIN_OPTIONS: dict[str, Any] = {"memory": options.MemoryOption.MB_256, "max_instances": 1, "timeout_sec": 60}


@https_fn.on_call(**ADMIN_OPTIONS, labels=ADMIN_LABELS)
def setAffiliateFxRate(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """`{eurUsd: "1.0850"}` (admin): the USD per EUR that new commissions are converted at."""
    from shared.affiliates.services.fx import SetFxRateCommand, set_fx_rate

    result: dict[str, Any] = run_admin_callable(
        req,
        "setAffiliateFxRate",
        lambda caller, data: set_fx_rate(
            parse_command(SetFxRateCommand, data), caller, store=wiring.store(), clock=wiring.clock()
        ),
    )
    return result


@https_fn.on_call(**ADMIN_OPTIONS, labels=ADMIN_LABELS)
def reconcileAffiliateWallet(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """`{affiliateId}` (admin): the stored balances, the ledger's, and their difference (0)."""
    from shared.affiliates.services.reconciliation import AffiliateIdCommand, reconcile_affiliate_wallet

    result: dict[str, Any] = run_admin_callable(
        req,
        "reconcileAffiliateWallet",
        lambda caller, data: reconcile_affiliate_wallet(
            parse_command(AffiliateIdCommand, data), caller, store=wiring.store()
        ),
    )
    return result
