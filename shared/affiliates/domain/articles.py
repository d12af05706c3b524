"""Bloggers' articles: a blogger submits a post it wrote about SOS-Expat; an admin approves or
rejects it once; approved articles count in the bloggers' monthly ranking."""

from __future__ import annotations

import hashlib
from enum import StrEnum

from shared.kernel.errors import FailedPrecondition


class ArticleStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


def article_id(blogger_id: str, url: str) -> str:
    """The same address submitted twice by one blogger is one article."""
    normalised = url.strip().rstrip("/").lower()
    return hashlib.sha256(f"{blogger_id}|{normalised}".encode()).hexdigest()[:20]


def review(status: str, decision: Decision) -> ArticleStatus:
    """The status after an admin's decision; a reviewed article is final."""
    if status != ArticleStatus.PENDING.value:
        raise FailedPrecondition(f"articleId: this article was already {status}", field="articleId")
    return ArticleStatus.APPROVED if decision is Decision.APPROVE else ArticleStatus.REJECTED
