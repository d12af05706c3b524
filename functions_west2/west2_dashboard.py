"""europe-west2 affiliate dashboard: what a signed-in affiliate sees of its own business."""

from __future__ import annotations

from typing import Any

from firebase_functions import https_fn, options

from shared.entry import wiring
from shared.entry.callables import run_callable
from shared.kernel.commands import parse_command

DASHBOARD_OPTIONS: dict[str, Any] = {
    "memory": options.MemoryOption.MB_256,
    "cpu": 0.08,  # one request at a time: the smallest CPU Cloud Run takes
    "max_instances": 3,
    "timeout_sec": 30,
}


@https_fn.on_call(**DASHBOARD_OPTIONS)
def getAffiliateDashboard(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """`{recentLimit?}`: balances, codes, last commissions, referrals and team by level, conversion."""
    from shared.affiliates.services.dashboard import AffiliateDashboardCommand, get_affiliate_dashboard

    result: dict[str, Any] = run_callable(
        req,
        lambda caller, data: get_affiliate_dashboard(
            parse_command(AffiliateDashboardCommand, data if data is not None else {}),
            caller,
            store=wiring.store(),
            clock=wiring.clock(),
        ),
    )
    return result
