"""The monthly leaderboards: `affiliate_leaderboards/{YYYY-MM}`, one document per month written
by the scheduled job (public entries with display names; `ranks` by uid, never shown)."""

from __future__ import annotations

from typing import Any

from shared.kernel.store import Collection, Document, DocumentStore

LEADERBOARDS = Collection("affiliate_leaderboards")

leaderboard_path = LEADERBOARDS.doc


def read_leaderboard(store: DocumentStore, month_key: str) -> Document | None:
    return store.get(leaderboard_path(month_key))


def write_leaderboard(store: DocumentStore, month_key: str, data: dict[str, Any]) -> None:
    store.set(leaderboard_path(month_key), data)
