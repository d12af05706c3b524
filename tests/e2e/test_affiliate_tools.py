"""What affiliates use besides their wallet, over HTTP: training modules (seeded by the stack)."""

from __future__ import annotations

from typing import Any

import pytest

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
