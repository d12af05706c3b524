"""Telegram onboarding: a one-time deep link (stored hashed, replaced by the next, expiring), the
webhook behind Telegram's secret, `/start <token>` linking one Telegram account to one affiliate
and crediting the $50 bonus once (locked until the wallet unlocks), replays changing nothing."""

from __future__ import annotations

import json
from datetime import timedelta
from itertools import count
from typing import Any

import pytest

from shared.affiliates.services.reconciliation import reconcile_wallet
from shared.affiliates.services.release import validate_pending_commissions
from shared.kernel.commands import Caller
from shared.kernel.errors import FailedPrecondition, PermissionDenied
from shared.payouts.ports.telegram import TelegramBot, TelegramUnavailable
from shared.payouts.services.answers import WebhookAnswer
from shared.payouts.services.telegram import generate_telegram_link, handle_telegram_update
from tests.fakes import InMemoryStore
from tests.unit.test_affiliate_commissions import World

SECRET = "local-telegram-webhook-secret"
T = Caller("T", {"role": "blogger"})


class RecordingBot(TelegramBot):
    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []
        self.down = False

    def send_message(self, chat_id: int, text: str) -> None:
        if self.down:
            raise TelegramUnavailable("503")
        self.sent.append((chat_id, text))


class Onboarding:
    def __init__(self) -> None:
        self.w = World(InMemoryStore())
        self.bot = RecordingBot()
        self.tokens = (f"tok{n}" for n in count(1))
        self.updates = count(100)

    def link(self, caller: Caller = T) -> str:
        answer = generate_telegram_link(
            caller, store=self.w.store, clock=self.w.clock, bot_username="sos_bot", new_token=lambda: next(self.tokens)
        )
        url: str = answer["url"]
        return url.split("start=")[1]

    def update(
        self, text: str, telegram_id: int = 555, language: str = "fr", update_id: int | None = None
    ) -> dict[str, Any]:
        return {
            "update_id": next(self.updates) if update_id is None else update_id,
            "message": {
                "message_id": 1,
                "date": 0,
                "text": text,
                "from": {"id": telegram_id, "is_bot": False, "first_name": "L", "language_code": language},
                "chat": {"id": telegram_id, "type": "private"},
            },
        }

    def deliver(self, update: dict[str, Any], secret: str | None = SECRET) -> WebhookAnswer:
        return handle_telegram_update(
            secret,
            json.dumps(update).encode(),
            expected_secret=SECRET,
            store=self.w.store,
            clock=self.w.clock,
            bot=lambda: self.bot,
        )

    def profile(self) -> dict[str, Any]:
        return self.w.store.get("blogger_profiles/T") or {}


@pytest.fixture
def o() -> Onboarding:
    return Onboarding()


def test_start_links_the_account_and_locks_the_bonus_once(o: Onboarding) -> None:
    token = o.link()
    stored = o.w.store.find("telegram_link_tokens", [("uid", "==", "T")], limit=5)
    assert len(token) <= 64 and [doc_id for doc_id, _ in stored] != [token], "only its hash is kept"
    assert token not in str(stored)
    start = o.update(f"/start {token}")
    assert o.deliver(start).body == {"outcome": "linked"}
    assert o.bot.sent[-1][0] == 555 and "50 $" in o.bot.sent[-1][1], "answered in the user's language"
    profile = o.profile()
    assert (profile["telegramStatus"], profile["telegramId"], profile["lockedBonus"], profile["tirelire"]) == (
        "linked",
        555,
        5000,
        0,
    )
    assert o.deliver(start).body == {"outcome": "linked", "duplicate": True} and len(o.bot.sent) == 1
    assert o.profile()["lockedBonus"] == 5000, "a replayed update changes nothing"
    report = reconcile_wallet("T", store=o.w.store)
    assert set(report["difference"].values()) == {0}
    with pytest.raises(FailedPrecondition):
        o.link()


def test_the_bonus_unlocks_with_the_wallet(o: Onboarding) -> None:
    o.w.store.set("settings/affiliate", {"unlockThresholdCents": 200})
    o.deliver(o.update(f"/start {o.link()}"))
    o.w.client("c1", "TTTTTTTT")
    o.w.deliver(o.w.capture())
    validate_pending_commissions(o.w.clock.now() + timedelta(days=8), store=o.w.store, clock=o.w.clock)
    profile = o.profile()
    assert (profile["commissionUnlocked"], profile["lockedBonus"], profile["tirelire"]) == (True, 0, 5264)
    assert set(reconcile_wallet("T", store=o.w.store)["difference"].values()) == {0}


def test_a_link_is_one_time_replaced_by_the_next_and_expires(o: Onboarding) -> None:
    first, second = o.link(), o.link()
    assert o.deliver(o.update(f"/start {first}")).body["outcome"] == "invalid", "replaced"
    o.w.clock.current += timedelta(hours=25)
    assert o.deliver(o.update(f"/start {second}")).body["outcome"] == "invalid", "expired"
    assert o.profile()["telegramStatus"] == "pending" and o.profile()["lockedBonus"] == 0


def test_a_telegram_account_links_to_one_affiliate_only(o: Onboarding) -> None:
    o.deliver(o.update(f"/start {o.link()}"))
    other = o.link(Caller("S", {"role": "influencer"}))
    assert o.deliver(o.update(f"/start {other}", language="en")).body["outcome"] == "taken"
    assert "another affiliate" in o.bot.sent[-1][1]
    assert (o.w.store.get("influencer_profiles/S") or {})["lockedBonus"] == 0


def test_forged_or_missing_secrets_and_other_updates_write_nothing(o: Onboarding) -> None:
    token = o.link()
    before = dict(o.w.store.docs)
    for secret in (None, "", "forged", SECRET + "x"):
        assert o.deliver(o.update(f"/start {token}"), secret).status == 401
    assert o.deliver(o.update("hello")).body == {"ignored": True}
    assert o.deliver({"not": "an update"}).status == 400
    assert o.w.store.docs == before and o.bot.sent == []


def test_a_reply_telegram_refused_is_sent_again_on_redelivery(o: Onboarding) -> None:
    start = o.update(f"/start {o.link()}")
    o.bot.down = True
    assert o.deliver(start).status == 503
    o.bot.down = False
    assert o.deliver(start).body == {"outcome": "linked"}
    assert len(o.bot.sent) == 1 and o.profile()["lockedBonus"] == 5000


def test_only_affiliates_get_a_link(o: Onboarding) -> None:
    with pytest.raises(PermissionDenied):
        o.link(Caller("c1", {"role": "client"}))
