"""Getting paid on the full stack with the Telegram, PayPal and Wise simulators: an affiliate links
Telegram (the $50 bonus locked), earns $150 of available commissions (the bonus unlocks) and
withdraws $60 by PayPal; the admin processes it (a double click pays once), the simulator pays and
later sends SUCCEEDED, which completes it (a replay changes nothing); a Wise withdrawal that bounces
is credited back; forged webhooks are refused with nothing written; the reconciliation finds 0
unexplained cents."""

from __future__ import annotations

import json
import random
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from devtools import ports
from tests.e2e.booking import DEFAULT_CLIENT_PHONE, authorized_hold, new_provider, schedule, settled_session
from tests.e2e.conftest import Account, WebApp, wait_for
from tests.e2e.test_withdrawals import balance, unlocked_affiliate

pytestmark = pytest.mark.e2e
WEST2, WEST3 = "europe-west2", "europe-west3"
PAYPAL = f"http://{ports.HOST}:{ports.PAYPAL_SIM_PORT}/_control"
WISE = f"http://{ports.HOST}:{ports.WISE_SIM_PORT}/_control"
TELEGRAM = f"http://{ports.HOST}:{ports.TELEGRAM_SIM_PORT}/_control"
ANSWERS = "+33600000001"
WISE_DETAILS = {"accountHolderName": "Lina Haddad", "iban": "DE89370400440532013000", "currency": "eur"}


def control(base: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    response = requests.request(method, f"{base}/{path}", json=body, timeout=120)
    assert response.status_code < 300, response.text
    return response.json()


def delivered(answer: dict[str, Any]) -> list[int]:
    return [d.get("status_code") for d in answer["deliveries"]]


def test_a_paypal_withdrawal_is_paid_once_and_completed_by_the_succeeded_webhook(web: WebApp, db: Any) -> None:
    def link_telegram(uid: str, affiliate: Account) -> None:
        link = web.call(WEST2, "generateTelegramLink", {}, affiliate)
        assert link.status == 200, link.body
        telegram_id = random.randint(10**8, 10**9)
        control(TELEGRAM, "POST", "users", {"id": telegram_id, "first_name": "Lina", "language_code": "en"})
        token = link.result["url"].split("start=")[1]
        assert control(TELEGRAM, "POST", f"users/{telegram_id}/start?wait=final", {"payload": token})["status"] == 200
        profile = db.document(f"influencer_profiles/{uid}").get().to_dict()
        assert (profile["telegramStatus"], profile["lockedBonus"], profile["tirelire"]) == ("linked", 5000, 0)

    uid, affiliate, available = unlocked_affiliate(web, db, before_earning=link_telegram)
    profile = db.document(f"influencer_profiles/{uid}").get().to_dict()
    assert (profile["lockedBonus"], available) == (0, 15_000 + 5000), "the bonus unlocks with the wallet"
    admin = web.sign_in("admin@demo.sos-expat.test")
    asked = web.call(
        WEST2,
        "requestWithdrawal",
        {"amountCents": 6000, "method": "paypal", "details": {"email": "lina@x.test"}},
        affiliate,
    )
    assert asked.status == 200, asked.body
    wid = asked.result["withdrawalId"]
    assert web.call(WEST3, "processWithdrawal", {"withdrawalId": wid}, affiliate).error_status == "PERMISSION_DENIED"

    with ThreadPoolExecutor(2) as pool:
        clicks = list(pool.map(lambda _: web.call(WEST3, "processWithdrawal", {"withdrawalId": wid}, admin), range(2)))
    assert all(c.status == 200 for c in clicks), [c.body for c in clicks]
    assert {c.result["status"] for c in clicks} == {"processing"}
    items = [i for i in control(PAYPAL, "GET", "payouts")["items"] if i["payout_item"]["sender_item_id"] == wid]
    assert len(items) == 1, "a double click pays once"
    assert items[0]["payout_item"]["amount"] == {"currency": "USD", "value": "60.00"}
    assert items[0]["payout_item"]["receiver"] == "lina@x.test"
    again = web.call(WEST3, "processWithdrawal", {"withdrawalId": wid}, admin)
    assert (again.result["sent"], again.result["reference"]) == (False, items[0]["payout_item_id"])
    assert db.document(f"withdrawals/{wid}").get().to_dict()["status"] == "processing"

    settled = control(PAYPAL, "POST", "clock/advance", {"seconds": 31})
    assert set(delivered(settled)) == {200}, settled["deliveries"]
    doc = db.document(f"withdrawals/{wid}").get().to_dict()
    assert (doc["status"], doc["railStatus"], doc["reference"]) == (
        "completed",
        "SUCCEEDED",
        items[0]["payout_item_id"],
    )
    assert balance(db, uid) == available - 6000
    assert db.document(f"influencer_profiles/{uid}").get().to_dict()["withdrawnTotal"] == 6000

    succeeded = next(
        e
        for e in control(PAYPAL, "GET", "events")
        if e["event_type"] == "PAYMENT.PAYOUTS-ITEM.SUCCEEDED" and e["resource"]["payout_item"]["sender_item_id"] == wid
    )
    replay = control(PAYPAL, "POST", f"events/{succeeded['id']}/replay")
    assert delivered(replay) == [200]
    assert db.document(f"withdrawals/{wid}").get().to_dict()["updatedAt"] == doc["updatedAt"], (
        "a replay changes nothing"
    )
    assert balance(db, uid) == available - 6000
    assert (
        len([i for i in control(PAYPAL, "GET", "payouts")["items"] if i["payout_item"]["sender_item_id"] == wid]) == 1
    )

    report = web.call(WEST3, "reconcilePayouts", {}, admin)
    assert report.status == 200, report.body
    assert report.result["unexplainedCents"] == 0, report.result
    assert report.result["payoutsChecked"] >= 1


def test_a_wise_withdrawal_that_bounces_is_credited_back(web: WebApp, db: Any) -> None:
    uid, affiliate, available = unlocked_affiliate(web, db)
    admin = web.sign_in("admin@demo.sos-expat.test")
    asked = web.call(
        WEST2, "requestWithdrawal", {"amountCents": 2500, "method": "wise", "details": WISE_DETAILS}, affiliate
    )
    assert asked.status == 200, asked.body
    wid = asked.result["withdrawalId"]
    control(WISE, "POST", "faults", {"bounce_next_transfer": True})
    sent = web.call(WEST3, "processWithdrawal", {"withdrawalId": wid}, admin)
    assert (sent.status, sent.result["status"]) == (200, "processing"), sent.body
    transfer = str(sent.result["reference"])
    assert balance(db, uid) == available - 2500
    bounced = control(WISE, "POST", "clock/advance", {"seconds": 3600 + 600})
    assert {d["status"] for d in bounced["deliveries"]} <= {"delivered"}, bounced["deliveries"]
    states = [
        h["state"] for h in next(t for t in control(WISE, "GET", "transfers") if str(t["id"]) == transfer)["history"]
    ]
    assert states[-2:] == ["bounced_back", "funds_refunded"], states
    doc = db.document(f"withdrawals/{wid}").get().to_dict()
    assert (doc["status"], doc["railStatus"]) == ("failed", "bounced_back"), doc
    assert balance(db, uid) == available, "credited back once"
    reconciled = web.call(WEST2, "reconcileAffiliateWallet", {"affiliateId": uid}, admin).result
    assert set(reconciled["difference"].values()) == {0}, reconciled


def test_forged_payout_webhooks_are_refused_and_write_nothing(db: Any, web: WebApp) -> None:
    event = {
        "id": "WH-FORGED-0001",
        "event_version": "1.0",
        "create_time": "2026-12-06T10:00:00Z",
        "resource_type": "payouts_item",
        "event_type": "PAYMENT.PAYOUTS-ITEM.SUCCEEDED",
        "resource": {"payout_item_id": "FORGED", "payout_item": {"sender_item_id": "wd_forged"}},
    }
    headers = {
        "PAYPAL-TRANSMISSION-ID": "4f1b1f1e-0000-4000-8000-000000000000",
        "PAYPAL-TRANSMISSION-TIME": "2026-12-06T10:00:00Z",
        "PAYPAL-TRANSMISSION-SIG": "Zm9yZ2Vk",
        "PAYPAL-CERT-URL": f"http://{ports.HOST}:{ports.PAYPAL_SIM_PORT}/v1/notifications/certs/CERT-forged",
        "PAYPAL-AUTH-ALGO": "SHA256withRSA",
        "Content-Type": "application/json",
    }
    paypal_url = ports.function_url(WEST3, "paypalPayoutsWebhook")
    assert requests.post(paypal_url, data=json.dumps(event), headers=headers, timeout=60).status_code == 401
    assert requests.post(paypal_url, data=json.dumps(event), timeout=60).status_code == 401
    assert not db.document("processed_events/paypal_WH-FORGED-0001").get().exists

    body = json.dumps(
        {
            "data": {"resource": {"type": "transfer", "id": 1}, "current_state": "outgoing_payment_sent"},
            "event_type": "transfers#state-change",
        }
    ).encode()
    wise_url = ports.function_url(WEST3, "wiseTransfersWebhook")
    for signature in ({"X-Signature-SHA256": "Zm9yZ2Vk"}, {}):
        response = requests.post(
            wise_url, data=body, headers={"Content-Type": "application/json", **signature}, timeout=60
        )
        assert response.status_code == 401
    assert not db.document("processed_events/wise_1_outgoing_payment_sent").get().exists


def test_a_provider_paid_by_paypal_withdraws_its_earnings_of_a_captured_call(web: WebApp, db: Any) -> None:
    provider = web.sign_up("lawyer")
    new_provider(db, ANSWERS, provider_id=provider.uid)
    db.document(f"sos_profiles/{provider.uid}").update({"payoutMethod": "paypal"})
    client = web.sign_up()
    hold = authorized_hold(web, db, client, provider.uid)
    scheduled = schedule(web, client, provider.uid, hold, DEFAULT_CLIENT_PHONE)
    assert scheduled.status == 200, scheduled.body
    session = settled_session(db, scheduled.result["callSessionId"])
    assert session["payment"]["state"] == "captured"
    earned = int(session["providerEarnings"])
    balances = db.document(f"provider_balances/{provider.uid}")
    wait_for(lambda: (balances.get().to_dict() or {}).get("currencies"), timeout=60, what="the earnings credited")
    assert balances.get().to_dict()["currencies"]["eur"]["available"] == earned

    asked = web.call(
        WEST2,
        "requestWithdrawal",
        {"amountCents": 2000, "method": "paypal", "currency": "eur", "details": {"email": "law@x.test"}},
        provider,
    )
    assert asked.status == 200, asked.body
    assert (asked.result["holder"], asked.result["available"]) == ("provider", earned - 2000)
    admin = web.sign_in("admin@demo.sos-expat.test")
    wid = asked.result["withdrawalId"]
    assert web.call(WEST3, "processWithdrawal", {"withdrawalId": wid}, admin).result["status"] == "processing"
    item = next(i for i in control(PAYPAL, "GET", "payouts")["items"] if i["payout_item"]["sender_item_id"] == wid)
    assert item["payout_item"]["amount"] == {"currency": "EUR", "value": "20.00"}
    assert set(delivered(control(PAYPAL, "POST", "clock/advance", {"seconds": 31}))) == {200}
    assert db.document(f"withdrawals/{wid}").get().to_dict()["status"] == "completed"
    figures = balances.get().to_dict()["currencies"]["eur"]
    assert (figures["available"], figures["withdrawnTotal"]) == (earned - 2000, 2000)
    report = web.call(WEST3, "reconcilePayouts", {}, admin).result
    assert report["unexplainedCents"] == 0 and report["providerBalances"] >= 1, report
