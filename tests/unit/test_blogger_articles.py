"""Bloggers' articles: submitted once per address by a blogger, reviewed once by an admin, and
counted in the bloggers' ranking of the month they were approved."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from shared.affiliates.services.articles import (
    ListArticlesCommand,
    ReviewArticleCommand,
    SubmitArticleCommand,
    list_blogger_articles,
    review_blogger_article,
    submit_blogger_article,
)
from shared.affiliates.services.leaderboard import LeaderboardCommand, compute_leaderboards, get_affiliate_leaderboard
from shared.kernel.commands import Caller, parse_command
from shared.kernel.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from tests.fakes import InMemoryStore
from tests.unit.test_affiliate_commissions import World

ADMIN = Caller("admin", {"admin": True})
BLOGGER = Caller("T", {"role": "blogger"})
ARTICLE = {"url": "https://expat-blog.example/sos-expat-review", "title": "I tried SOS-Expat", "language": "en"}


@pytest.fixture
def w() -> World[InMemoryStore]:
    return World(InMemoryStore())


def submit(w: World[InMemoryStore], caller: Caller = BLOGGER, **changes: Any) -> dict[str, Any]:
    cmd = parse_command(SubmitArticleCommand, {**ARTICLE, **changes})
    return submit_blogger_article(cmd, caller, store=w.store, clock=w.clock)


def decide(w: World[InMemoryStore], article_id: str, decision: str, reason: str | None = None) -> dict[str, Any]:
    data = {"articleId": article_id, "decision": decision, **({"reason": reason} if reason else {})}
    return review_blogger_article(parse_command(ReviewArticleCommand, data), ADMIN, store=w.store, clock=w.clock)


def test_an_approved_article_counts_in_the_bloggers_ranking(w: World[InMemoryStore]) -> None:
    first = submit(w)
    assert first["status"] == "pending"
    with pytest.raises(AlreadyExists) as raised:
        submit(w, url=ARTICLE["url"] + "/")
    assert raised.value.field == "url"
    w.clock.current += timedelta(minutes=1)
    second = submit(w, url="https://expat-blog.example/visa-help")
    pending = list_blogger_articles(ListArticlesCommand(), ADMIN, store=w.store)["articles"]
    assert [a["articleId"] for a in pending] == [first["articleId"], second["articleId"]]
    assert decide(w, first["articleId"], "approve") == {"articleId": first["articleId"], "status": "approved"}
    assert decide(w, second["articleId"], "reject", "off topic")["status"] == "rejected"
    with pytest.raises(FailedPrecondition):
        decide(w, first["articleId"], "reject", "changed my mind")
    assert (w.store.get("blogger_profiles/T") or {})["approvedArticles"] == 1

    compute_leaderboards(w.clock.now(), store=w.store, clock=w.clock)
    board = get_affiliate_leaderboard(LeaderboardCommand(), BLOGGER, store=w.store, clock=w.clock)
    assert board["bloggers"] == [{"rank": 1, "displayName": "A B.", "role": "blogger", "articles": 1}]
    assert board["myBloggerRank"] == 1


def test_only_bloggers_submit_and_only_admins_review(w: World[InMemoryStore]) -> None:
    with pytest.raises(PermissionDenied):
        submit(w, Caller("R", {"role": "chatter"}))
    article = submit(w)
    cmd = parse_command(ReviewArticleCommand, {"articleId": article["articleId"], "decision": "approve"})
    with pytest.raises(PermissionDenied):
        review_blogger_article(cmd, BLOGGER, store=w.store, clock=w.clock)
    with pytest.raises(PermissionDenied):
        list_blogger_articles(ListArticlesCommand(), BLOGGER, store=w.store)
    with pytest.raises(NotFound):
        decide(w, "nope", "approve")


@pytest.mark.parametrize(
    ("model", "data", "field"),
    [
        (SubmitArticleCommand, {**ARTICLE, "url": "http://expat-blog.example/x"}, "url"),
        (SubmitArticleCommand, {**ARTICLE, "title": ""}, "title"),
        (SubmitArticleCommand, {**ARTICLE, "language": "english"}, "language"),
        (ReviewArticleCommand, {"articleId": "a", "decision": "maybe"}, "decision"),
        (ReviewArticleCommand, {"articleId": "a", "decision": "reject"}, "reason"),
        (ReviewArticleCommand, {"articleId": "", "decision": "approve"}, "articleId"),
        (ListArticlesCommand, {"status": "lost"}, "status"),
    ],
)
def test_bad_input_names_the_field(model: Any, data: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidArgument) as raised:
        parse_command(model, data)
    assert raised.value.field == field
