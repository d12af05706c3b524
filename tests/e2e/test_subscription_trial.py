"""The free trial over HTTP (seed 004 I6 / I9): granted by the server once, for the configured
length, and AI access ends with it when no plan was paid."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.e2e.conftest import WebApp
from tests.e2e.subscribing import WEST3, mails_to, new_subscriber, run_dunning_cron_at, subscription

pytestmark = pytest.mark.e2e


def test_trial_once_for_the_configured_days_then_access_off(web: WebApp, db: Any) -> None:
    configured = db.document("settings/subscription").get().to_dict()
    expat = new_subscriber(web, db, "expat")
    started = web.call(WEST3, "startTrial", {}, expat)
    assert started.status == 200, started.body
    trial = subscription(db, expat.uid, status="trialing", aiAccessEnabled=True)
    assert trial["trialEndsAt"] - trial["trialStartedAt"] == timedelta(days=configured["trialDays"])
    assert trial["aiCallsLimit"] == configured["trialAiCalls"]
    assert datetime.fromisoformat(started.result["trialEndsAt"]) == trial["trialEndsAt"]
    again = web.call(WEST3, "startTrial", {}, expat)
    assert again.error_status == "FAILED_PRECONDITION"
    assert subscription(db, expat.uid)["trialStartedAt"] == trial["trialStartedAt"]
    assert web.call(WEST3, "incrementAiUsage", {}, expat).status == 200

    run_dunning_cron_at(trial["trialEndsAt"] - timedelta(minutes=1))
    assert subscription(db, expat.uid)["status"] == "trialing"
    run_dunning_cron_at(trial["trialEndsAt"] + timedelta(minutes=1))
    ended = subscription(db, expat.uid, status="cancelled", aiAccessEnabled=False)
    assert ended["trialEndsAt"] == trial["trialEndsAt"]
    assert web.call(WEST3, "checkAiAccess", {}, expat).result["allowed"] is False
    assert web.call(WEST3, "startTrial", {}, expat).error_status == "FAILED_PRECONDITION"
    assert len(mails_to(db, expat.uid, "subscription_trial_ended")) == 1
