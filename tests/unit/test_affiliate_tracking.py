"""Tracking links: one click per visitor and day, bots and fast addresses not counted, every
visitor sent on (with the code only when it is an active affiliate's); the dashboard's funnel."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.affiliates.adapters import affiliate_repository
from shared.affiliates.services.dashboard import AffiliateDashboardCommand, get_affiliate_dashboard
from shared.affiliates.services.tracking import Tracked, track_click
from shared.kernel.commands import Caller
from tests.fakes import InMemoryStore
from tests.unit.test_affiliate_commissions import T, World

APP = "https://app.test"
BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1"


@pytest.fixture
def w() -> World[InMemoryStore]:
    return World(InMemoryStore())


def click(
    w: World[InMemoryStore], code: object = "TTTTTTTT", address: str = "203.0.113.7", ua: str | None = BROWSER
) -> Tracked:
    return track_click(code, address, ua, store=w.store, clock=w.clock, web_app=APP)


def clicks(w: World[InMemoryStore]) -> int:
    return len(w.store.find("affiliate_clicks", [], limit=1000))


def test_a_visitor_counts_once_a_day_and_is_sent_on_with_the_code(w: World[InMemoryStore]) -> None:
    first = click(w, " tttttttt ")
    assert first == Tracked(f"{APP}/?ref=TTTTTTTT", True, "counted")
    assert click(w) == Tracked(f"{APP}/?ref=TTTTTTTT", False, "already_today")
    assert click(w, ua=BROWSER + " Firefox").counted, "another browser is another visitor"
    w.clock.current += timedelta(days=1)
    assert click(w).counted
    assert clicks(w) == 3
    stored = w.store.find("affiliate_clicks", [], limit=10)[0][1]
    assert "203.0.113.7" not in str(stored) and stored["affiliateId"] == "T"


def test_a_recruitment_link_leads_to_the_affiliate_sign_up(w: World[InMemoryStore]) -> None:
    assert click(w, "TTTTTTT2").location == f"{APP}/become-affiliate?recruitmentCode=TTTTTTT2"


@pytest.mark.parametrize("ua", ["Googlebot/2.1", "facebookexternalhit/1.1", "curl/8.0", None, "WhatsApp/2.23"])
def test_bots_and_link_previews_are_sent_on_but_not_counted(w: World[InMemoryStore], ua: str | None) -> None:
    assert click(w, ua=ua) == Tracked(f"{APP}/?ref=TTTTTTTT", False, "bot")
    assert clicks(w) == 0


@pytest.mark.parametrize("code", ["ZZZZZZZZ", "nope", 42, ""])
def test_an_unknown_code_leads_home_and_counts_nothing(w: World[InMemoryStore], code: object) -> None:
    assert click(w, code) == Tracked(f"{APP}/", False, "unknown_code")
    assert w.store.find("affiliate_click_limits", [], limit=10) == []


def test_a_suspended_affiliates_link_leads_home(w: World[InMemoryStore]) -> None:
    w.store.set(affiliate_repository.affiliate_path("T"), {"status": "suspended"}, merge=True)
    assert click(w) == Tracked(f"{APP}/", False, "inactive")


def test_one_address_clicking_too_fast_stops_counting_for_a_minute(w: World[InMemoryStore]) -> None:
    counted = [click(w, ua=f"{BROWSER} #{n}").counted for n in range(31)]
    assert counted == [True] * 30 + [False]
    assert click(w, ua=f"{BROWSER} #99").why == "too_fast"
    assert click(w, address="198.51.100.1").counted, "another address is not held back"
    w.clock.current += timedelta(seconds=61)
    assert click(w, ua=f"{BROWSER} #100").counted


def test_the_dashboard_shows_the_funnel(w: World[InMemoryStore]) -> None:
    click(w)
    click(w, address="198.51.100.1")
    w.client("c1", "TTTTTTTT")
    w.deliver(w.capture())
    seen = get_affiliate_dashboard(
        AffiliateDashboardCommand(), Caller(T.uid, {"role": "blogger"}), store=w.store, clock=w.clock
    )
    assert seen["funnel"] == {"clicks": {"thisMonth": 2, "allTime": 2}, "registrations": 1, "firstPaidCall": 1}
