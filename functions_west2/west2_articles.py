"""europe-west2 bloggers' articles: submitted by bloggers, reviewed once by admins."""

from __future__ import annotations

from typing import Any

from firebase_functions import https_fn, options

from shared.entry import wiring
from shared.entry.callables import ADMIN_LABELS, run_admin_callable, run_callable
from shared.kernel.commands import parse_command

ARTICLE_OPTIONS: dict[str, Any] = {
    "memory": options.MemoryOption.MB_256,
    "cpu": 0.08,  # one request at a time: the smallest CPU Cloud Run takes
    "max_instances": 2,
    "timeout_sec": 30,
}


@https_fn.on_call(**ARTICLE_OPTIONS)
def submitBloggerArticle(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """`{url (https), title, language}` (a blogger): pending until an admin reviews it."""
    from shared.affiliates.services.articles import SubmitArticleCommand, submit_blogger_article

    result: dict[str, Any] = run_callable(
        req,
        lambda caller, data: submit_blogger_article(
            parse_command(SubmitArticleCommand, data), caller, store=wiring.store(), clock=wiring.clock()
        ),
    )
    return result


@https_fn.on_call(**ARTICLE_OPTIONS, labels=ADMIN_LABELS)
def listBloggerArticles(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """Admins: `{status?}` (default pending), oldest first."""
    from shared.affiliates.services.articles import ListArticlesCommand, list_blogger_articles

    result: dict[str, Any] = run_admin_callable(
        req,
        "listBloggerArticles",
        lambda caller, data: list_blogger_articles(
            parse_command(ListArticlesCommand, data if data is not None else {}), caller, store=wiring.store()
        ),
    )
    return result


@https_fn.on_call(**ARTICLE_OPTIONS, labels=ADMIN_LABELS)
def reviewBloggerArticle(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """Admins: `{articleId, decision: "approve"|"reject", reason?}` (a reason to reject), once."""
    from shared.affiliates.services.articles import ReviewArticleCommand, review_blogger_article

    result: dict[str, Any] = run_admin_callable(
        req,
        "reviewBloggerArticle",
        lambda caller, data: review_blogger_article(
            parse_command(ReviewArticleCommand, data), caller, store=wiring.store(), clock=wiring.clock()
        ),
    )
    return result
