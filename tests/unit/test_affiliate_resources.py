"""Marketing resources and group posts: admins write them (validated), affiliates see their
role's in their language with their own codes and tracking links; seeding keeps admins' edits."""

from __future__ import annotations

from typing import Any

import pytest

from shared.affiliates.adapters import resource_repository, training_repository
from shared.affiliates.domain.resource_catalogue import RESOURCES
from shared.affiliates.domain.training_catalogue import MODULES
from shared.affiliates.services.content import seed_affiliate_content
from shared.affiliates.services.resources import (
    ListResourcesCommand,
    UpsertResourceCommand,
    list_affiliate_resources,
    list_group_admin_posts,
    upsert_affiliate_resource,
)
from shared.kernel.commands import Caller, parse_command
from shared.kernel.errors import InvalidArgument, PermissionDenied
from tests.fakes import InMemoryStore
from tests.unit.test_affiliate_commissions import World

LINKS = "https://sos-expat.test/r"
ADMIN = Caller("admin", {"admin": True})
GOOD: dict[str, Any] = {
    "resourceId": "story_fr",
    "kind": "text",
    "roles": ["blogger", "chatter"],
    "language": "fr",
    "title": "Une histoire vraie",
    "body": "Coincé à Dubaï ? {clientLink}",
}


@pytest.fixture
def w() -> World[InMemoryStore]:
    world = World(InMemoryStore())
    assert seed_affiliate_content(ADMIN, store=world.store)["resources"] == [r.resource_id for r in RESOURCES]
    return world


def listed(w: World[InMemoryStore], uid: str, role: str, data: Any = None) -> dict[str, Any]:
    cmd = parse_command(ListResourcesCommand, data or {})
    return list_affiliate_resources(cmd, Caller(uid, {"role": role}), store=w.store, link_base=LINKS)


def test_an_affiliate_sees_its_roles_resources_with_its_codes(w: World[InMemoryStore]) -> None:
    seen = listed(w, "T", "blogger", {"language": "en"})
    assert [r["resourceId"] for r in seen["resources"]] == ["pitch_en", "banner_en", "recruit_en"]
    assert seen["resources"][0]["body"].endswith(f"{LINKS}/TTTTTTTT")
    assert seen["resources"][2]["body"] == f"Join my team with the code TTTTTTT2: {LINKS}/TTTTTTT2"
    assert [r["resourceId"] for r in listed(w, "R", "chatter", {"language": "en"})["resources"]] == [
        "pitch_en",
        "recruit_en",
    ], "no banner for chatters"
    assert [r["resourceId"] for r in listed(w, "T", "blogger")["resources"]] == ["pitch_fr"], "the profile's language"
    assert listed(w, "T", "blogger", {"language": "en", "kind": "banner"})["resources"][0]["imageUrl"].startswith(
        "https://"
    )


def test_an_admin_adds_and_edits_a_resource(w: World[InMemoryStore]) -> None:
    cmd = parse_command(UpsertResourceCommand, GOOD)
    assert upsert_affiliate_resource(cmd, ADMIN, store=w.store) == {"resourceId": "story_fr", "created": True}
    edited = parse_command(UpsertResourceCommand, {**GOOD, "published": False})
    assert upsert_affiliate_resource(edited, ADMIN, store=w.store)["created"] is False
    assert "story_fr" not in [r["resourceId"] for r in listed(w, "T", "blogger")["resources"]]
    with pytest.raises(PermissionDenied):
        upsert_affiliate_resource(cmd, Caller("T", {"role": "blogger"}), store=w.store)


def test_group_admins_get_ready_made_posts_and_others_do_not(w: World[InMemoryStore]) -> None:
    from functools import partial

    from shared.affiliates.adapters import affiliate_repository
    from shared.affiliates.domain.affiliate import AffiliateRole, NewAffiliate

    new = NewAffiliate("G", AffiliateRole.GROUP_ADMIN, "g@x.test", "G", "A", "FR", "en", "GGGGGGGG", "GGGGGGG2")
    w.store.run_transaction(partial(affiliate_repository.create_affiliate, affiliate=new, now=w.clock.now()))
    cmd = ListResourcesCommand()
    posts = list_group_admin_posts(cmd, Caller("G", {"role": "group_admin"}), store=w.store, link_base=LINKS)
    assert [p["resourceId"] for p in posts["posts"]] == ["group_welcome_en"]
    assert "GGGGGGGG" in posts["posts"][0]["body"] and "{" not in posts["posts"][0]["body"]
    with pytest.raises(PermissionDenied):
        list_group_admin_posts(cmd, Caller("T", {"role": "blogger"}), store=w.store, link_base=LINKS)
    with pytest.raises(PermissionDenied):
        list_affiliate_resources(cmd, Caller("c1", {"role": "client"}), store=w.store, link_base=LINKS)


def test_seeding_again_creates_nothing_and_keeps_edits(w: World[InMemoryStore]) -> None:
    edited = {**RESOURCES[0].to_document(), "title": "Edited"}
    w.store.set(resource_repository.resource_path(RESOURCES[0].resource_id), edited)
    assert seed_affiliate_content(ADMIN, store=w.store) == {"trainingModules": [], "resources": []}
    assert w.store.get(resource_repository.resource_path(RESOURCES[0].resource_id)) == edited
    assert w.store.get(training_repository.module_path(MODULES[0].module_id)) is not None
    with pytest.raises(PermissionDenied):
        seed_affiliate_content(Caller("T", {"role": "blogger"}), store=w.store)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"resourceId": ""}, "resourceId"),
        ({"kind": "video"}, "kind"),
        ({"roles": []}, "roles"),
        ({"roles": ["client"]}, "roles"),
        ({"language": "french"}, "language"),
        ({"title": "  "}, "title"),
        ({"body": ""}, "body"),
        ({"body": "Use {promo}"}, "body"),
        ({"kind": "banner"}, "imageUrl"),
        ({"kind": "banner", "imageUrl": "http://x.test/a.png"}, "imageUrl"),
        ({"kind": "post"}, "roles"),
        ({"published": "yes"}, "published"),
        ({"extra": 1}, "extra"),
    ],
)
def test_bad_resources_name_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidArgument) as raised:
        parse_command(UpsertResourceCommand, {**GOOD, **changes})
    assert raised.value.field == field


@pytest.mark.parametrize(("data", "field"), [({"language": "xx1"}, "language"), ({"kind": "x"}, "kind")])
def test_bad_listing_input_names_the_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidArgument) as raised:
        parse_command(ListResourcesCommand, data)
    assert raised.value.field == field
