"""europe-west2 leaderboard: one document per month computed on a schedule, read by affiliates."""

from __future__ import annotations

import logging
from typing import Any

from firebase_functions import https_fn, options, scheduler_fn

from shared.entry import wiring
from shared.entry.callables import run_callable
from shared.kernel.commands import parse_command

logger = logging.getLogger("west2")
# The smallest CPU Cloud Run takes at one request at a time (the SDK annotates `cpu` as int only).
SMALL_CPU: Any = 0.08
READ_OPTIONS: dict[str, Any] = {
    "memory": options.MemoryOption.MB_256,
    "cpu": SMALL_CPU,
    "max_instances": 2,
    "timeout_sec": 30,
}


@scheduler_fn.on_schedule(
    schedule="every 1 hours",
    timezone=options.Timezone("UTC"),
    memory=options.MemoryOption.MB_256,
    cpu=SMALL_CPU,
    max_instances=1,
    timeout_sec=300,
)
def computeAffiliateLeaderboard(event: scheduler_fn.ScheduledEvent) -> None:
    from shared.affiliates.services.leaderboard import compute_leaderboards

    months = compute_leaderboards(event.schedule_time, store=wiring.store(), clock=wiring.clock())
    logger.info("leaderboards computed: %s", months)


@https_fn.on_call(**READ_OPTIONS)
def getAffiliateLeaderboard(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """`{month?: "YYYY-MM"}`: the ranking by commissions earned, display names only, and the caller's rank."""
    from shared.affiliates.services.leaderboard import LeaderboardCommand, get_affiliate_leaderboard

    result: dict[str, Any] = run_callable(
        req,
        lambda caller, data: get_affiliate_leaderboard(
            parse_command(LeaderboardCommand, data if data is not None else {}),
            caller,
            store=wiring.store(),
            clock=wiring.clock(),
        ),
    )
    return result


@https_fn.on_call(**READ_OPTIONS)
def setLeaderboardOptOut(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """`{optOut: bool}`: leave (or rejoin) the leaderboard from its next computation."""
    from shared.affiliates.services.leaderboard import LeaderboardOptOutCommand, set_leaderboard_opt_out

    result: dict[str, Any] = run_callable(
        req,
        lambda caller, data: set_leaderboard_opt_out(
            parse_command(LeaderboardOptOutCommand, data), caller, store=wiring.store(), clock=wiring.clock()
        ),
    )
    return result
