"""seedAffiliateContent: a new project gets the catalogue's training modules and marketing
resources; what admins already wrote or edited is kept."""

from __future__ import annotations

from typing import Any

from shared.affiliates.adapters import resource_repository, training_repository
from shared.affiliates.domain.resource_catalogue import RESOURCES
from shared.affiliates.domain.training_catalogue import MODULES
from shared.kernel.commands import Caller, require_admin
from shared.kernel.store import DocumentStore


def seed_affiliate_content(caller: Caller | None, *, store: DocumentStore) -> dict[str, Any]:
    require_admin(caller)
    return {
        "trainingModules": [m.module_id for m in MODULES if training_repository.create_module(store, m)],
        "resources": [r.resource_id for r in RESOURCES if resource_repository.create_resource(store, r)],
    }
