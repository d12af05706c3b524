"""europe-west2: affiliates (registration, wallet, withdrawals, Telegram onboarding)."""

from __future__ import annotations

from shared.entry.codebase import configure_codebase

REGION = "europe-west2"
CODEBASE = "west2"

configure_codebase(CODEBASE, REGION)

from west2_articles import listBloggerArticles, reviewBloggerArticle, submitBloggerArticle  # noqa: E402
from west2_dashboard import getAffiliateDashboard  # noqa: E402
from west2_leaderboard import computeAffiliateLeaderboard, getAffiliateLeaderboard, setLeaderboardOptOut  # noqa: E402
from west2_registration import registerBlogger, registerChatter, registerGroupAdmin, registerInfluencer  # noqa: E402
from west2_resources import (  # noqa: E402
    listAffiliateResources,
    listGroupAdminPosts,
    seedAffiliateContent,
    upsertAffiliateResource,
)
from west2_tracking import trackAffiliateClick  # noqa: E402
from west2_training import completeTrainingModule, listTrainingModules  # noqa: E402
from west2_wallet import reconcileAffiliateWallet, setAffiliateFxRate  # noqa: E402
from west2_withdrawals import generateTelegramLink, requestWithdrawal  # noqa: E402

__all__ = [
    "CODEBASE",
    "REGION",
    "completeTrainingModule",
    "computeAffiliateLeaderboard",
    "generateTelegramLink",
    "getAffiliateDashboard",
    "getAffiliateLeaderboard",
    "listAffiliateResources",
    "listBloggerArticles",
    "listGroupAdminPosts",
    "listTrainingModules",
    "reconcileAffiliateWallet",
    "registerBlogger",
    "registerChatter",
    "registerGroupAdmin",
    "registerInfluencer",
    "requestWithdrawal",
    "reviewBloggerArticle",
    "seedAffiliateContent",
    "setAffiliateFxRate",
    "setLeaderboardOptOut",
    "submitBloggerArticle",
    "trackAffiliateClick",
    "upsertAffiliateResource",
]
