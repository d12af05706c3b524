"""Marketing resources: `affiliate_resources/{resourceId}`, written by admins (and the seed)."""

from __future__ import annotations

from shared.affiliates.domain.resources import Resource
from shared.kernel.store import Collection, DocumentStore

RESOURCES = Collection("affiliate_resources")

resource_path = RESOURCES.doc


def resources_for(store: DocumentStore, role: str, language: str) -> list[Resource]:
    """The published resources of a role in a language, in their order."""
    rows = store.find(RESOURCES, [("roles", "array_contains", role), ("language", "==", language)], limit=500)
    found = [Resource.from_document(doc) for _, doc in rows]
    return sorted((r for r in found if r.for_affiliate(role, language)), key=lambda r: (r.order, r.resource_id))


def read_resource(store: DocumentStore, resource_id: str) -> Resource | None:
    doc = store.get(resource_path(resource_id))
    return Resource.from_document(doc) if doc is not None else None


def save_resource(store: DocumentStore, resource: Resource) -> None:
    store.set(resource_path(resource.resource_id), resource.to_document())


def create_resource(store: DocumentStore, resource: Resource) -> bool:
    return store.create(resource_path(resource.resource_id), resource.to_document())
