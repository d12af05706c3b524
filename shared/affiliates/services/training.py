"""listTrainingModules and completeTrainingModule: the modules of the affiliate's role in its
language (the quiz without its answers), and a completion recorded once when every answer is
right, with the badges it earns."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.affiliates.adapters import affiliate_repository, training_repository
from shared.affiliates.domain.affiliate import AffiliateRole
from shared.affiliates.domain.training import badges_after
from shared.affiliates.services.commands import Language
from shared.affiliates.services.signed_in import signed_in_affiliate
from shared.kernel.clock import Clock
from shared.kernel.commands import Caller
from shared.kernel.errors import NotFound
from shared.kernel.fields import DocumentId
from shared.kernel.store import Document, DocumentStore, Transaction


class ListTrainingCommand(BaseModel):
    model_config = ConfigDict(extra="forbid")

    language: Language | None = None


class CompleteTrainingCommand(BaseModel):
    model_config = ConfigDict(extra="forbid")

    moduleId: DocumentId
    answers: dict[str, str] = Field(max_length=50)


def _affiliate(store: DocumentStore | Transaction, caller: Caller | None) -> tuple[Caller, Document, Document]:
    found = signed_in_affiliate(store, caller, "training is for affiliates: sign up as one first")
    return found.user, found.entry, found.profile


def list_training_modules(cmd: ListTrainingCommand, caller: Caller | None, *, store: DocumentStore) -> dict[str, Any]:
    user, entry, profile = _affiliate(store, caller)
    language = cmd.language or str(profile.get("language") or "en")
    done = training_repository.completed_of(store, user.uid)
    modules = [m for m in training_repository.published_modules(store) if m.for_role(str(entry["role"]))]
    shown = []
    for module in modules:
        completion = done.get(module.module_id)
        at = completion.get("completedAt") if completion else None
        shown.append({**module.shown(language), "completed": completion is not None, "completedAt": _iso(at)})
    return {
        "language": language,
        "modules": shown,
        "completed": sum(1 for m in shown if m["completed"]),
        "badges": list(profile.get("badges") or []),
    }


def complete_training_module(
    cmd: CompleteTrainingCommand, caller: Caller | None, *, store: DocumentStore, clock: Clock
) -> dict[str, Any]:
    user, entry, _ = _affiliate(store, caller)
    role = str(entry["role"])
    role_modules = [m for m in training_repository.published_modules(store) if m.for_role(role)]
    module = next((m for m in role_modules if m.module_id == cmd.moduleId), None)
    if module is None:
        raise NotFound(f"moduleId: no training module {cmd.moduleId!r} for your role", field="moduleId")
    right, total = module.grade(cmd.answers)
    if right < total:
        return {"moduleId": module.module_id, "passed": False, "right": right, "questions": total, "badges": []}

    def complete(tx: Transaction) -> dict[str, Any]:
        if training_repository.read_completion(tx, user.uid, module.module_id) is not None:
            return {"moduleId": module.module_id, "passed": True, "right": right, "questions": total, "badges": []}
        others = [m for m in role_modules if m.module_id != module.module_id]
        completed = [m.module_id for m in others if training_repository.read_completion(tx, user.uid, m.module_id)]
        profile = tx.get(affiliate_repository.profile_path(AffiliateRole(role), user.uid)) or {}
        badges = badges_after(module, completed, role_modules)
        training_repository.record_completion(
            tx, user.uid, module.module_id, score=right, badges=badges, now=clock.now()
        )
        if badges:
            affiliate_repository.add_badges(tx, AffiliateRole(role), user.uid, profile, badges)
        return {"moduleId": module.module_id, "passed": True, "right": right, "questions": total, "badges": badges}

    result: dict[str, Any] = store.run_transaction(complete)
    return result


def _iso(value: object) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else None
