"""getAffiliateDashboard from the affiliate's own rows: balances, last commissions without the
client, referrals and team by level, conversion; only affiliates see one."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from shared.affiliates.services.dashboard import AffiliateDashboardCommand, get_affiliate_dashboard
from shared.kernel.commands import Caller, parse_command
from shared.kernel.errors import InvalidArgument, PermissionDenied, Unauthenticated
from tests.fakes import InMemoryStore
from tests.unit.test_affiliate_commissions import World

ROLES = {"R": "chatter", "S": "influencer", "T": "blogger"}


@pytest.fixture
def w() -> World[InMemoryStore]:
    world = World(InMemoryStore())
    world.client("c1", "TTTTTTTT")
    return world


def dashboard(w: World[InMemoryStore], uid: str, data: Any = None) -> dict[str, Any]:
    cmd = parse_command(AffiliateDashboardCommand, {} if data is None else data)
    return get_affiliate_dashboard(cmd, Caller(uid, {"role": ROLES[uid]}), store=w.store, clock=w.clock)


def values(tree: Any) -> list[Any]:
    if isinstance(tree, dict):
        return [v for value in tree.values() for v in values(value)]
    if isinstance(tree, list):
        return [v for value in tree for v in values(value)]
    return [tree]


def test_before_any_call_the_referral_shows_and_nothing_converted(w: World[InMemoryStore]) -> None:
    seen = dashboard(w, "T")
    assert seen["codes"] == {"client": "TTTTTTTT", "recruitment": "TTTTTTT2"}
    assert seen["balances"] == {
        "pendingBalance": 0,
        "tirelire": 0,
        "lockedBonus": 0,
        "lifetimeEarned": 0,
        "currency": "usd",
    }
    assert seen["referrals"]["client"]["level1"] == {"thisMonth": 1, "allTime": 1}
    assert seen["referrals"]["provider"]["level1"] == {"thisMonth": 0, "allTime": 0}
    assert seen["conversion"] == {"referred": 1, "withPaidCall": 0, "rateBp": 0}
    assert seen["recentCommissions"] == []


def test_after_a_capture_each_level_sees_its_commission_and_its_place_in_the_tree(w: World[InMemoryStore]) -> None:
    w.deliver(w.capture())
    t, s, r = dashboard(w, "T"), dashboard(w, "S"), dashboard(w, "R")
    assert [(c["level"], c["walletAmount"], c["state"]) for c in t["recentCommissions"]] == [(1, 264, "pending")]
    assert t["recentCommissions"][0]["source"] == {"type": "call", "callSessionId": "s1"}
    assert "c1" not in values(t), "nothing about the client"
    assert t["balances"]["pendingBalance"] == 264 and r["balances"]["pendingBalance"] == 52
    assert t["conversion"] == {"referred": 1, "withPaidCall": 1, "rateBp": 10_000}
    assert s["conversion"]["referred"] == 0, "c1 was referred by T, not by S itself"
    assert s["referrals"]["client"]["level2"]["allTime"] == 1 and r["referrals"]["client"]["level3"]["allTime"] == 1
    assert r["team"]["level1"]["allTime"] == 1 and r["team"]["level2"]["allTime"] == 1
    assert t["team"]["level1"]["allTime"] == 0


def test_this_month_resets_and_all_time_stays(w: World[InMemoryStore]) -> None:
    w.clock.current += timedelta(days=40)
    seen = dashboard(w, "T")
    assert seen["referrals"]["client"]["level1"] == {"thisMonth": 0, "allTime": 1}


def test_the_last_commissions_are_newest_first_and_limited(w: World[InMemoryStore]) -> None:
    for n in range(3):
        w.clock.current += timedelta(minutes=1)
        w.deliver(w.capture(session=f"s{n}"))
    assert [c["source"]["callSessionId"] for c in dashboard(w, "T", {"recentLimit": 2})["recentCommissions"]] == [
        "s2",
        "s1",
    ]


def test_only_a_signed_in_affiliate_has_a_dashboard(w: World[InMemoryStore]) -> None:
    cmd = AffiliateDashboardCommand()
    with pytest.raises(Unauthenticated):
        get_affiliate_dashboard(cmd, None, store=w.store, clock=w.clock)
    for caller in (Caller("c1", {"role": "client"}), Caller("T", {"role": "client"}), Caller("X", {"role": "chatter"})):
        with pytest.raises(PermissionDenied):
            get_affiliate_dashboard(cmd, caller, store=w.store, clock=w.clock)


@pytest.mark.parametrize("data", [{"recentLimit": 0}, {"recentLimit": "ten"}, {"recentLimit": 101}, {"uid": "R"}])
def test_bad_input_names_the_field(data: dict[str, Any]) -> None:
    with pytest.raises(InvalidArgument) as raised:
        parse_command(AffiliateDashboardCommand, data)
    assert raised.value.field in data
