"""The monthly leaderboard: ranked by what each affiliate kept of the month's commissions,
display names only, opt-out and suspended affiliates left out, one document per month."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.affiliates.adapters import affiliate_repository
from shared.affiliates.domain.leaderboard import Month, display_name
from shared.affiliates.services.leaderboard import (
    LeaderboardCommand,
    LeaderboardOptOutCommand,
    compute_leaderboards,
    get_affiliate_leaderboard,
    set_leaderboard_opt_out,
)
from shared.kernel.commands import Caller, parse_command
from shared.kernel.errors import InvalidArgument, PermissionDenied
from tests.fakes import InMemoryStore
from tests.unit.test_affiliate_commissions import S, World

ROLES = {"R": "chatter", "S": "influencer", "T": "blogger"}


@pytest.fixture
def w() -> World[InMemoryStore]:
    world = World(InMemoryStore())
    world.client("c1", "TTTTTTTT")
    world.deliver(world.capture())
    return world


def board(w: World[InMemoryStore], uid: str, data: Any = None) -> dict[str, Any]:
    cmd = parse_command(LeaderboardCommand, data or {})
    return get_affiliate_leaderboard(cmd, Caller(uid, {"role": ROLES[uid]}), store=w.store, clock=w.clock)


def test_the_month_ranks_by_commissions_earned_with_display_names_only(w: World[InMemoryStore]) -> None:
    assert board(w, "T")["entries"] == [], "nothing until the job has run"
    assert compute_leaderboards(w.clock.now(), store=w.store, clock=w.clock) == ["2026-11"]
    seen = board(w, "T")
    assert [(e["rank"], e["displayName"], e["earned"]) for e in seen["entries"]] == [
        (1, "A B.", 264),
        (2, "A B.", 105),
        (3, "A B.", 52),
    ]
    assert (seen["month"], seen["myRank"]) == ("2026-11", 1) and board(w, "R")["myRank"] == 3
    assert not any(v in str(seen["entries"]) for v in ("'T'", "'S'", "'R'", "uid")), "no uids shown"


def test_a_refund_lowers_the_rank_and_opting_out_hides_from_the_next_run(w: World[InMemoryStore]) -> None:
    w.deliver(w.refund(4900, "re_1"))
    w.deliver(w.capture(session="s2", amount=1000, earnings=500))
    compute_leaderboards(w.clock.now(), store=w.store, clock=w.clock)
    assert [e["earned"] for e in board(w, "T")["entries"]] == [54, 21, 10]
    cmd = parse_command(LeaderboardOptOutCommand, {"optOut": True})
    assert set_leaderboard_opt_out(cmd, Caller("S", {"role": "influencer"}), store=w.store, clock=w.clock) == {
        "optOut": True
    }
    assert board(w, "S")["myRank"] == 2, "until the next computation"
    compute_leaderboards(w.clock.now(), store=w.store, clock=w.clock)
    assert board(w, "S")["myRank"] is None and board(w, "R")["myRank"] == 2


def test_a_suspended_affiliate_is_left_out(w: World[InMemoryStore]) -> None:
    w.store.set(affiliate_repository.affiliate_path(S.uid), {"status": "suspended"}, merge=True)
    compute_leaderboards(w.clock.now(), store=w.store, clock=w.clock)
    assert board(w, "S")["myRank"] is None and len(board(w, "T")["entries"]) == 2


def test_the_first_day_of_a_month_also_finishes_the_month_before(w: World[InMemoryStore]) -> None:
    first = datetime(2026, 12, 1, 5, 0, tzinfo=UTC)
    assert compute_leaderboards(first, store=w.store, clock=w.clock) == ["2026-12", "2026-11"]
    assert compute_leaderboards(first + timedelta(days=1), store=w.store, clock=w.clock) == ["2026-12"]
    assert board(w, "T", {"month": "2026-11"})["myRank"] == 1
    assert board(w, "T", {"month": "2026-12"})["entries"] == []


def test_months_and_names() -> None:
    assert (Month(2026, 12).end, Month(2026, 1).previous()) == (datetime(2027, 1, 1, tzinfo=UTC), Month(2025, 12))
    assert display_name("lina", "haddad") == "lina H." and display_name("", None) == "Affiliate"


@pytest.mark.parametrize(
    ("model", "data", "field"),
    [
        (LeaderboardCommand, {"month": "2026-13"}, "month"),
        (LeaderboardCommand, {"month": 202611}, "month"),
        (LeaderboardCommand, {"rank": 1}, "rank"),
        (LeaderboardOptOutCommand, {"optOut": "yes"}, "optOut"),
        (LeaderboardOptOutCommand, {}, "optOut"),
    ],
)
def test_bad_input_names_the_field(model: Any, data: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidArgument) as raised:
        parse_command(model, data)
    assert raised.value.field == field


def test_only_affiliates_see_the_leaderboard(w: World[InMemoryStore]) -> None:
    with pytest.raises(PermissionDenied):
        get_affiliate_leaderboard(LeaderboardCommand(), Caller("c1", {"role": "client"}), store=w.store, clock=w.clock)
    with pytest.raises(PermissionDenied):
        cmd = LeaderboardOptOutCommand(optOut=True)
        set_leaderboard_opt_out(cmd, Caller("X", {"role": "chatter"}), store=w.store, clock=w.clock)
