"""`admin_metrics/latest` and `admin_metrics/{day}`: the dashboard's state figures, kept here."""

from __future__ import annotations

from typing import Any

from shared.kernel.store import DocumentStore

ADMIN_METRICS = "admin_metrics"


def save(store: DocumentStore, day: str, figures: dict[str, Any]) -> None:
    store.set(f"{ADMIN_METRICS}/latest", figures)
    store.set(f"{ADMIN_METRICS}/{day}", figures)


def latest(store: DocumentStore) -> dict[str, Any] | None:
    return store.get(f"{ADMIN_METRICS}/latest")
