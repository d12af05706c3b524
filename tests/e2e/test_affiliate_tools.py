"""What affiliates use besides their wallet, over HTTP: training modules (seeded by the stack) and
tracking links followed by a browser, a bot and a stranger to the code."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests

from devtools import ports
from tests.e2e.conftest import WebApp
from tests.e2e.test_affiliate_registration import PASSWORD, sign_up

pytestmark = pytest.mark.e2e
WEST2 = "europe-west2"


def test_an_affiliate_follows_its_training_and_earns_its_badges(web: WebApp, db: Any) -> None:
    _, email = sign_up(web, "group_admin")
    affiliate = web.sign_in(email, PASSWORD)
    listed = web.call(WEST2, "listTrainingModules", {}, affiliate)
    assert listed.status == 200, listed.body
    assert [m["moduleId"] for m in listed.result["modules"]] == [
        "how_sos_expat_works",
        "your_commissions",
        "group_posts",
    ]
    assert listed.result["language"] == "fr" and "answer" not in str(listed.result)

    wrong = web.call(WEST2, "completeTrainingModule", {"moduleId": "group_posts", "answers": {"often": "a"}}, affiliate)
    assert wrong.result["passed"] is False
    answers = {
        "how_sos_expat_works": {"paid_when": "b"},
        "your_commissions": {"hold": "b", "refund": "a"},
        "group_posts": {"often": "b"},
    }
    earned = [
        web.call(WEST2, "completeTrainingModule", {"moduleId": m, "answers": a}, affiliate).result["badges"]
        for m, a in answers.items()
    ]
    assert earned == [[], ["first_steps"], ["group_leader", "training_complete"]]
    after = web.call(WEST2, "listTrainingModules", {"language": "en"}, affiliate).result
    assert after["completed"] == 3 and after["badges"] == ["first_steps", "group_leader", "training_complete"]

    chatter = web.sign_in(sign_up(web)[1], PASSWORD)
    hidden = web.call(WEST2, "completeTrainingModule", {"moduleId": "group_posts", "answers": {}}, chatter)
    assert hidden.error_status == "NOT_FOUND" and hidden.error_message.startswith("moduleId:")
    refused = web.call(WEST2, "completeTrainingModule", {"moduleId": "", "answers": {}}, chatter)
    assert refused.error_status == "INVALID_ARGUMENT" and refused.error_message.startswith("moduleId:")
    assert web.call(WEST2, "listTrainingModules", {}, web.sign_up()).error_status == "PERMISSION_DENIED"


BROWSER = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Safari/605.1.15"


def follow(code: str, address: str, agent: str = BROWSER) -> requests.Response:
    url = f"{ports.function_url(WEST2, 'trackAffiliateClick')}/r/{code}"
    headers = {"User-Agent": agent, "X-Forwarded-For": address}
    return requests.get(url, headers=headers, allow_redirects=False, timeout=30)


def test_a_tracking_link_counts_a_visitor_once_and_sends_it_to_the_web_app(web: WebApp, db: Any) -> None:
    from google.cloud.firestore_v1.base_query import FieldFilter

    answer, email = sign_up(web, "influencer")
    code, recruitment = answer.result["affiliateCodeClient"], answer.result["affiliateCodeRecruitment"]
    address = f"198.51.100.{uuid.uuid4().int % 250 + 1}"
    first = follow(code, address)
    assert first.status_code == 302 and first.headers["Location"].endswith(f"/?ref={code}")
    assert first.headers["Cache-Control"] == "no-store"
    assert follow(code, address).status_code == 302, "the same visitor again: sent on, not counted"
    assert follow(code, address, "Googlebot/2.1 (+http://www.google.com/bot.html)").status_code == 302
    joined = follow(recruitment, address)
    assert "/become-affiliate?recruitmentCode=" in joined.headers["Location"]
    assert follow("ZZZZZZZZ", address).headers["Location"].endswith("/")
    assert requests.post(f"{ports.function_url(WEST2, 'trackAffiliateClick')}/r/{code}", timeout=10).status_code == 405

    query = db.collection("affiliate_clicks").where(filter=FieldFilter("affiliateId", "==", answer.result["uid"]))
    stored = [doc.to_dict() for doc in query.stream()]
    assert sorted(c["kind"] for c in stored) == ["client", "recruitment"]
    assert address not in str(stored)
    funnel = web.call(WEST2, "getAffiliateDashboard", {}, web.sign_in(email, PASSWORD)).result["funnel"]
    assert funnel["clicks"] == {"thisMonth": 2, "allTime": 2} and funnel["registrations"] == 0


def test_resources_and_posts_carry_the_affiliates_codes(web: WebApp) -> None:
    answer, email = sign_up(web, "group_admin", language="en")
    affiliate = web.sign_in(email, PASSWORD)
    code = answer.result["affiliateCodeClient"]
    listed = web.call(WEST2, "listAffiliateResources", {}, affiliate)
    assert listed.status == 200, listed.body
    assert [r["resourceId"] for r in listed.result["resources"]] == ["pitch_en", "recruit_en"]
    assert listed.result["resources"][0]["body"].endswith(f"/r/{code}")
    posts = web.call(WEST2, "listGroupAdminPosts", {"language": "fr"}, affiliate).result["posts"]
    assert [p["resourceId"] for p in posts] == ["group_welcome_fr"] and f"(code {code})" in posts[0]["body"]

    admin = web.sign_in("admin@demo.sos-expat.test")
    resource = {
        "resourceId": f"e2e_{uuid.uuid4().hex[:8]}",
        "kind": "post",
        "roles": ["group_admin"],
        "language": "en",
        "title": "Weekly reminder",
        "body": "Need a lawyer abroad? {clientLink}",
        "order": 9,
    }
    assert web.call(WEST2, "upsertAffiliateResource", resource, admin).result["created"] is True
    posts = web.call(WEST2, "listGroupAdminPosts", {}, affiliate).result["posts"]
    assert posts[-1]["body"].endswith(f"/r/{code}")
    assert web.call(WEST2, "upsertAffiliateResource", resource, affiliate).error_status == "PERMISSION_DENIED"
    bad = web.call(WEST2, "upsertAffiliateResource", {**resource, "body": "{promo}"}, admin)
    assert bad.error_status == "INVALID_ARGUMENT" and bad.error_message.startswith("body:")
    chatter = web.sign_in(sign_up(web)[1], PASSWORD)
    assert web.call(WEST2, "listGroupAdminPosts", {}, chatter).error_status == "PERMISSION_DENIED"


def test_a_bloggers_approved_article_is_counted_once(web: WebApp, db: Any) -> None:
    answer, email = sign_up(web, "blogger")
    blogger = web.sign_in(email, PASSWORD)
    article = {"url": f"https://expat-blog.example/{uuid.uuid4().hex[:8]}", "title": "SOS-Expat", "language": "fr"}
    submitted = web.call(WEST2, "submitBloggerArticle", article, blogger)
    assert submitted.result["status"] == "pending", submitted.body
    assert web.call(WEST2, "submitBloggerArticle", article, blogger).error_status == "ALREADY_EXISTS"
    admin = web.sign_in("admin@demo.sos-expat.test")
    pending = web.call(WEST2, "listBloggerArticles", {}, admin).result["articles"]
    assert submitted.result["articleId"] in [a["articleId"] for a in pending]
    decision = {"articleId": submitted.result["articleId"], "decision": "approve"}
    assert web.call(WEST2, "reviewBloggerArticle", decision, blogger).error_status == "PERMISSION_DENIED"
    assert web.call(WEST2, "reviewBloggerArticle", decision, admin).result["status"] == "approved"
    again = web.call(WEST2, "reviewBloggerArticle", {**decision, "decision": "reject", "reason": "x"}, admin)
    assert again.error_status == "FAILED_PRECONDITION"
    assert db.document(f"blogger_profiles/{answer.result['uid']}").get().to_dict()["approvedArticles"] == 1
    chatter = web.sign_in(sign_up(web)[1], PASSWORD)
    assert web.call(WEST2, "submitBloggerArticle", article, chatter).error_status == "PERMISSION_DENIED"
    bad = web.call(WEST2, "submitBloggerArticle", {**article, "url": "ftp://x"}, blogger)
    assert bad.error_status == "INVALID_ARGUMENT" and bad.error_message.startswith("url:")
