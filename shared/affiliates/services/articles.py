"""submitBloggerArticle (a blogger), listBloggerArticles and reviewBloggerArticle (admins)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, model_validator

from shared.affiliates.adapters import affiliate_repository, article_repository
from shared.affiliates.domain.affiliate import AffiliateRole
from shared.affiliates.domain.articles import ArticleStatus, Decision, article_id, review
from shared.affiliates.services.commands import HttpsUrl, Language, choice_field, text_field
from shared.affiliates.services.signed_in import signed_in_affiliate
from shared.kernel.clock import Clock
from shared.kernel.commands import Caller, require_admin
from shared.kernel.errors import AlreadyExists, InvalidArgument, NotFound, PermissionDenied
from shared.kernel.fields import DocumentId
from shared.kernel.store import DocumentStore, Transaction


class SubmitArticleCommand(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: HttpsUrl
    title: Annotated[str, text_field(200)]
    language: Language


def submit_blogger_article(
    cmd: SubmitArticleCommand, caller: Caller | None, *, store: DocumentStore, clock: Clock
) -> dict[str, Any]:
    found = signed_in_affiliate(store, caller, "articles are submitted by bloggers")
    if found.role is not AffiliateRole.BLOGGER:
        raise PermissionDenied("articles are submitted by bloggers")
    user = found.user
    aid = article_id(user.uid, cmd.url)
    data = {
        "articleId": aid,
        "bloggerId": user.uid,
        "url": cmd.url,
        "title": cmd.title,
        "language": cmd.language,
        "status": ArticleStatus.PENDING.value,
        "submittedAt": clock.now(),
    }
    if not article_repository.create_article(store, aid, data):
        raise AlreadyExists("url: you submitted this article already", field="url")
    return {"articleId": aid, "status": ArticleStatus.PENDING.value}


class ListArticlesCommand(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Annotated[str, choice_field(ArticleStatus)] = ArticleStatus.PENDING.value


def list_blogger_articles(cmd: ListArticlesCommand, caller: Caller | None, *, store: DocumentStore) -> dict[str, Any]:
    require_admin(caller)
    rows = article_repository.articles_with(store, cmd.status)
    return {
        "articles": [
            {**doc, "submittedAt": _iso(doc.get("submittedAt")), "reviewedAt": _iso(doc.get("reviewedAt"))}
            for doc in rows
        ]
    }


class ReviewArticleCommand(BaseModel):
    model_config = ConfigDict(extra="forbid")

    articleId: DocumentId
    decision: Annotated[str, choice_field(Decision)]
    reason: Annotated[str, text_field(500)] | None = None

    @model_validator(mode="after")
    def _reason(self) -> ReviewArticleCommand:
        if self.decision == Decision.REJECT and self.reason is None:
            raise InvalidArgument("reason", "is required to reject an article")
        return self


def review_blogger_article(
    cmd: ReviewArticleCommand, caller: Caller | None, *, store: DocumentStore, clock: Clock
) -> dict[str, Any]:
    admin = require_admin(caller)
    now = clock.now()

    def decide(tx: Transaction) -> dict[str, Any]:
        article = article_repository.read_article(tx, cmd.articleId)
        if article is None:
            raise NotFound(f"articleId: no article {cmd.articleId!r}", field="articleId")
        status = review(str(article["status"]), Decision(cmd.decision))
        profile_path = affiliate_repository.profile_path(AffiliateRole.BLOGGER, str(article["bloggerId"]))
        profile = tx.get(profile_path)
        fields = {"status": status.value, "reviewedAt": now, "reviewedBy": admin.uid, "reason": cmd.reason}
        article_repository.record_review(tx, cmd.articleId, fields)
        if status is ArticleStatus.APPROVED and profile is not None:
            tx.update(profile_path, {"approvedArticles": int(profile.get("approvedArticles") or 0) + 1})
        return {"articleId": cmd.articleId, "status": status.value}

    result: dict[str, Any] = store.run_transaction(decide)
    return result


def _iso(value: object) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else None
