"""Telegram onboarding on the full stack with the Bot API simulator: an affiliate asks for its deep
link, its Telegram user presses Start, the bot's webhook links the account once and locks the $50
bonus, the bot answers in French; a replayed update changes nothing; a forged call is refused."""

from __future__ import annotations

import random
from typing import Any

import pytest
import requests

from devtools import ports
from tests.e2e.conftest import WebApp
from tests.e2e.test_affiliate_registration import PASSWORD, sign_up

pytestmark = pytest.mark.e2e
WEST2, WEST3 = "europe-west2", "europe-west3"
CONTROL = f"http://{ports.HOST}:{ports.TELEGRAM_SIM_PORT}/_control"


def control(method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    response = requests.request(method, f"{CONTROL}/{path}", json=body, timeout=60)
    assert response.status_code < 300, response.text
    return response.json()


def test_an_affiliate_links_its_telegram_account_once_and_its_bonus_is_locked(web: WebApp, db: Any) -> None:
    answer, email = sign_up(web, "chatter")
    affiliate, uid = web.sign_in(email, PASSWORD), answer.result["uid"]
    first = web.call(WEST2, "generateTelegramLink", {}, affiliate)
    assert first.status == 200, first.body
    link = web.call(WEST2, "generateTelegramLink", {}, affiliate).result["url"]
    assert link.startswith(f"https://t.me/{ports.TELEGRAM_BOT_USERNAME}?start=")
    telegram_id = random.randint(10**8, 10**9)
    control("POST", "users", {"id": telegram_id, "first_name": "Lina", "language_code": "fr"})

    stale = control(
        "POST", f"users/{telegram_id}/start?wait=final", {"payload": first.result["url"].split("start=")[1]}
    )
    assert stale["status"] == 200
    assert db.document(f"chatter_profiles/{uid}").get().to_dict()["telegramStatus"] == "pending", "replaced link"

    pressed = control("POST", f"users/{telegram_id}/start?wait=final", {"payload": link.split("start=")[1]})
    assert pressed["status"] == 200, pressed
    profile = db.document(f"chatter_profiles/{uid}").get().to_dict()
    assert (profile["telegramStatus"], profile["telegramId"], profile["lockedBonus"], profile["tirelire"]) == (
        "linked",
        telegram_id,
        5000,
        0,
    )
    replies = control("GET", f"messages?chat_id={telegram_id}")
    texts = [m["text"] for m in replies]
    assert len(texts) == 2 and "plus valable" in texts[0] and "bonus de 50 $" in texts[1], texts

    control("POST", f"updates/{pressed['update']['update_id']}/replay?wait=final")
    assert db.document(f"chatter_profiles/{uid}").get().to_dict()["lockedBonus"] == 5000
    again = control("GET", f"messages?chat_id={telegram_id}")
    assert len(again) == 2, "a replay sends nothing more"
    assert web.call(WEST2, "generateTelegramLink", {}, affiliate).error_status == "FAILED_PRECONDITION"


def test_a_call_without_telegrams_secret_is_refused_and_writes_nothing(web: WebApp, db: Any) -> None:
    url = ports.function_url(WEST3, "telegramBotWebhook")
    update: dict[str, Any] = {
        "update_id": 1,
        "message": {"text": "/start abc", "from": {"id": 1}, "chat": {"id": 1, "type": "private"}},
    }
    no_secret: dict[str, str] = {}
    for headers in (no_secret, {"X-Telegram-Bot-Api-Secret-Token": "forged"}):
        assert requests.post(url, json=update, headers=headers, timeout=30).status_code == 401
    assert not db.document("processed_events/telegram_update_1").get().exists
    assert web.call(WEST2, "generateTelegramLink", {}, web.sign_up()).error_status == "PERMISSION_DENIED"
