"""Training documents: `training_modules/{moduleId}` (the catalogue, seeded and edited by admins)
and `affiliate_training/{uid}_{moduleId}` (one per module an affiliate completed, created once)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.affiliates.domain.training import TrainingModule
from shared.kernel.store import Collection, DocumentStore, Transaction

MODULES = Collection("training_modules")
PROGRESS = "affiliate_training"

module_path = MODULES.doc


def progress_path(uid: str, module_id: str) -> str:
    return f"{PROGRESS}/{uid}_{module_id}"


def published_modules(store: DocumentStore) -> list[TrainingModule]:
    rows = store.find(MODULES, [("published", "==", True)], limit=500)
    return sorted((TrainingModule.from_document(doc) for _, doc in rows), key=lambda m: (m.order, m.module_id))


def completed_of(store: DocumentStore, uid: str) -> dict[str, dict[str, Any]]:
    """The affiliate's completions, by module id."""
    return {str(doc["moduleId"]): doc for _, doc in store.find(PROGRESS, [("uid", "==", uid)], limit=500)}


def read_completion(tx: Transaction, uid: str, module_id: str) -> dict[str, Any] | None:
    return tx.get(progress_path(uid, module_id))


def record_completion(
    tx: Transaction, uid: str, module_id: str, *, score: int, badges: list[str], now: datetime
) -> None:
    tx.create(
        progress_path(uid, module_id),
        {"uid": uid, "moduleId": module_id, "score": score, "badges": badges, "completedAt": now},
    )


def save_module(store: DocumentStore, module: TrainingModule) -> None:
    store.set(module_path(module.module_id), module.to_document())


def create_module(store: DocumentStore, module: TrainingModule) -> bool:
    """False when a module with this id exists."""
    return store.create(module_path(module.module_id), module.to_document())
