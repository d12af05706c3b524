"""The marketing resources `make dev` seeds into `affiliate_resources` (admins edit them there)."""

from __future__ import annotations

from shared.affiliates.domain.resources import Resource, ResourceKind

ALL_ROLES = ("chatter", "influencer", "blogger", "group_admin")

RESOURCES: tuple[Resource, ...] = (
    Resource(
        "pitch_fr",
        ResourceKind.TEXT,
        ALL_ROLES,
        "fr",
        "Présenter SOS-Expat en une phrase",
        "Un souci à l'étranger ? Un avocat ou un expatrié vous rappelle en quelques minutes : {clientLink}",
        order=1,
    ),
    Resource(
        "pitch_en",
        ResourceKind.TEXT,
        ALL_ROLES,
        "en",
        "SOS-Expat in one sentence",
        "In trouble abroad? A lawyer or an expat calls you back within minutes: {clientLink}",
        order=1,
    ),
    Resource(
        "banner_en",
        ResourceKind.BANNER,
        ("influencer", "blogger"),
        "en",
        "Square banner",
        "Link it to {clientLink}",
        image_url="https://sos-expat.com/assets/partner-banner-1080.png",
        order=2,
    ),
    Resource(
        "recruit_en",
        ResourceKind.LINK,
        ALL_ROLES,
        "en",
        "Invite other affiliates",
        "Join my team with the code {recruitmentCode}: {recruitmentLink}",
        order=3,
    ),
    Resource(
        "group_welcome_fr",
        ResourceKind.POST,
        ("group_admin",),
        "fr",
        "Post de bienvenue",
        "Bienvenue dans le groupe ! En cas d'urgence juridique, SOS-Expat vous met en relation en quelques "
        "minutes avec un avocat : {clientLink} (code {clientCode}).",
        order=1,
    ),
    Resource(
        "group_welcome_en",
        ResourceKind.POST,
        ("group_admin",),
        "en",
        "Welcome post",
        "Welcome to the group! In a legal emergency, SOS-Expat puts you through to a lawyer within minutes: "
        "{clientLink} (code {clientCode}).",
        order=1,
    ),
)
