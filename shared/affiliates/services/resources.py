"""Marketing resources: admins write them (`upsertAffiliateResource`); an affiliate lists its
role's in its language with its codes and links filled in (`listAffiliateResources`), a group
admin its ready-made posts (`listGroupAdminPosts`)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from shared.affiliates.adapters import resource_repository
from shared.affiliates.domain.affiliate import AffiliateRole
from shared.affiliates.domain.resources import Resource, ResourceKind, affiliate_values, unknown_placeholders
from shared.affiliates.services.commands import HttpsUrl, Language, choice_field, text_field
from shared.affiliates.services.signed_in import signed_in_affiliate
from shared.kernel.commands import Caller, require_admin
from shared.kernel.errors import InvalidArgument, PermissionDenied
from shared.kernel.fields import DocumentId
from shared.kernel.store import DocumentStore


class UpsertResourceCommand(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resourceId: DocumentId
    kind: Annotated[str, choice_field(ResourceKind)]
    roles: list[Annotated[str, choice_field(AffiliateRole)]] = Field(min_length=1, max_length=4)
    language: Language
    title: Annotated[str, text_field(120)]
    body: str = Field(min_length=1, max_length=4000)
    imageUrl: HttpsUrl | None = None
    order: int = Field(default=0, ge=0, le=10_000)
    published: StrictBool = True

    @model_validator(mode="after")
    def _consistent(self) -> UpsertResourceCommand:
        for name in ("title", "body"):
            unknown = unknown_placeholders(getattr(self, name))
            if unknown:
                raise InvalidArgument(name, f"has unknown placeholders {unknown}; use clientCode, recruitmentCode, …")
        if self.kind == ResourceKind.BANNER and self.imageUrl is None:
            raise InvalidArgument("imageUrl", "is required for a banner")
        if self.kind == ResourceKind.POST and self.roles != [AffiliateRole.GROUP_ADMIN.value]:
            raise InvalidArgument("roles", "a post is for group admins only: ['group_admin']")
        return self

    def resource(self) -> Resource:
        return Resource(
            self.resourceId,
            ResourceKind(self.kind),
            tuple(dict.fromkeys(self.roles)),
            self.language,
            self.title,
            self.body,
            self.imageUrl,
            self.order,
            self.published,
        )


def upsert_affiliate_resource(
    cmd: UpsertResourceCommand, caller: Caller | None, *, store: DocumentStore
) -> dict[str, Any]:
    require_admin(caller)
    existed = resource_repository.read_resource(store, cmd.resourceId) is not None
    resource_repository.save_resource(store, cmd.resource())
    return {"resourceId": cmd.resourceId, "created": not existed}


class ListResourcesCommand(BaseModel):
    model_config = ConfigDict(extra="forbid")

    language: Language | None = None
    kind: Annotated[str, choice_field(ResourceKind)] | None = None


def _shown(
    cmd: ListResourcesCommand, caller: Caller | None, *, store: DocumentStore, link_base: str, only: ResourceKind | None
) -> dict[str, Any]:
    found = signed_in_affiliate(store, caller, "resources are for affiliates: sign up as one first")
    entry, profile, role = found.entry, found.profile, found.role.value
    if only is ResourceKind.POST and role != AffiliateRole.GROUP_ADMIN.value:
        raise PermissionDenied("ready-made posts are for group admins")
    language = cmd.language or str(profile.get("language") or "en")
    kind = only.value if only else cmd.kind
    values = affiliate_values(entry["affiliateCodeClient"], entry["affiliateCodeRecruitment"], link_base)
    resources = [
        r.shown(values)
        for r in resource_repository.resources_for(store, role, language)
        if r.kind.value == kind or (kind is None and r.kind is not ResourceKind.POST)
    ]
    return {"language": language, "resources": resources}


def list_affiliate_resources(
    cmd: ListResourcesCommand, caller: Caller | None, *, store: DocumentStore, link_base: str
) -> dict[str, Any]:
    return _shown(cmd, caller, store=store, link_base=link_base, only=None)


def list_group_admin_posts(
    cmd: ListResourcesCommand, caller: Caller | None, *, store: DocumentStore, link_base: str
) -> dict[str, Any]:
    shown = _shown(cmd, caller, store=store, link_base=link_base, only=ResourceKind.POST)
    return {"language": shown["language"], "posts": shown["resources"]}
