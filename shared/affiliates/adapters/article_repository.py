"""Bloggers' articles: `blogger_articles/{articleId}` (submitted by the blogger through the
callable, reviewed once by an admin)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.kernel.store import Collection, Document, DocumentStore, Transaction

ARTICLES = Collection("blogger_articles")

article_path = ARTICLES.doc


def create_article(store: DocumentStore, article_id: str, data: dict[str, Any]) -> bool:
    return store.create(article_path(article_id), data)


def read_article(tx: Transaction, article_id: str) -> Document | None:
    return tx.get(article_path(article_id))


def record_review(tx: Transaction, article_id: str, fields: dict[str, Any]) -> None:
    tx.update(article_path(article_id), fields)


def articles_with(store: DocumentStore, status: str, *, limit: int = 200) -> list[Document]:
    rows = store.find(ARTICLES, [("status", "==", status)], limit=limit)
    return sorted((doc for _, doc in rows), key=lambda d: d.get("submittedAt") or datetime.min)


def approved_between(store: DocumentStore, start: datetime, end: datetime, *, limit: int = 50_000) -> list[Document]:
    filters: list[Any] = [("status", "==", "approved"), ("reviewedAt", ">=", start), ("reviewedAt", "<", end)]
    return [doc for _, doc in store.find(ARTICLES, filters, limit=limit)]
