"""europe-west2 marketing resources: admins write them; affiliates list theirs with their codes."""

from __future__ import annotations

from typing import Any

from firebase_functions import https_fn, options

from shared.entry import wiring
from shared.entry.callables import ADMIN_LABELS, run_admin_callable, run_callable
from shared.kernel.commands import parse_command

RESOURCE_OPTIONS: dict[str, Any] = {
    "memory": options.MemoryOption.MB_256,
    "cpu": 0.08,  # one request at a time: the smallest CPU Cloud Run takes
    "max_instances": 2,
    "timeout_sec": 30,
}


@https_fn.on_call(**RESOURCE_OPTIONS)
def listAffiliateResources(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """`{language?, kind?}`: the role's texts, banners and links with the affiliate's codes filled in."""
    from shared.affiliates.services.resources import ListResourcesCommand, list_affiliate_resources
    from shared.kernel.config import tracking_link_base

    result: dict[str, Any] = run_callable(
        req,
        lambda caller, data: list_affiliate_resources(
            parse_command(ListResourcesCommand, data if data is not None else {}),
            caller,
            store=wiring.store(),
            link_base=tracking_link_base(),
        ),
    )
    return result


@https_fn.on_call(**RESOURCE_OPTIONS)
def listGroupAdminPosts(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """`{language?}` (group admins): ready-made posts with the admin's code and link filled in."""
    from shared.affiliates.services.resources import ListResourcesCommand, list_group_admin_posts
    from shared.kernel.config import tracking_link_base

    result: dict[str, Any] = run_callable(
        req,
        lambda caller, data: list_group_admin_posts(
            parse_command(ListResourcesCommand, data if data is not None else {}),
            caller,
            store=wiring.store(),
            link_base=tracking_link_base(),
        ),
    )
    return result


@https_fn.on_call(**RESOURCE_OPTIONS, labels=ADMIN_LABELS)
def upsertAffiliateResource(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """Admins: `{resourceId, kind, roles, language, title, body, imageUrl?, order?, published?}`."""
    from shared.affiliates.services.resources import UpsertResourceCommand, upsert_affiliate_resource

    result: dict[str, Any] = run_admin_callable(
        req,
        "upsertAffiliateResource",
        lambda caller, data: upsert_affiliate_resource(
            parse_command(UpsertResourceCommand, data), caller, store=wiring.store()
        ),
    )
    return result


@https_fn.on_call(**RESOURCE_OPTIONS, labels=ADMIN_LABELS)
def seedAffiliateContent(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """Admins: create the catalogue's training modules and resources a new project lacks."""
    from shared.affiliates.services.content import seed_affiliate_content

    result: dict[str, Any] = run_admin_callable(
        req, "seedAffiliateContent", lambda caller, _: seed_affiliate_content(caller, store=wiring.store())
    )
    return result
