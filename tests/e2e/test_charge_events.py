"""Stripe's word after a call is captured: a refund made in the Stripe dashboard and a dispute,
delivered by the local Stripe to stripeWebhook as Stripe would."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from google.cloud.firestore_v1.base_query import FieldFilter

from devtools import ports
from tests.e2e.booking import book, settled_session, stripe_intent
from tests.e2e.conftest import STRIPE, WebApp, wait_for

pytestmark = pytest.mark.e2e


def stripe_post(path: str, data: dict[str, Any]) -> dict[str, Any]:
    response = requests.post(f"{STRIPE}{path}", data=data, auth=(ports.STRIPE_SECRET_KEY, ""), timeout=10)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def refund_events(db: Any, payment_intent_id: str) -> list[Any]:
    query = db.collection("domain_events").where(filter=FieldFilter("data.paymentIntentId", "==", payment_intent_id))
    return [event for event in query.get() if event.to_dict()["type"] == "payment.refunded"]


def captured_call(web: WebApp, db: Any) -> tuple[dict[str, Any], str]:
    booking = book(web, db, "+33600000001")
    session = settled_session(db, booking["callSessionId"])
    assert session["payment"]["state"] == "captured"
    charge = stripe_intent(booking["paymentIntentId"])["latest_charge"]
    return booking, charge if isinstance(charge, str) else charge["id"]


def test_a_dashboard_refund_and_a_lost_dispute_reach_the_session(web: WebApp, db: Any) -> None:
    booking, charge = captured_call(web, db)
    ref = db.document(f"call_sessions/{booking['callSessionId']}")
    earnings = ref.get().to_dict()["providerEarnings"]
    stripe_post("/v1/refunds", {"payment_intent": booking["paymentIntentId"], "amount": "980"})
    refunded = wait_for(
        lambda: (ref.get().to_dict() or {}).get("payment", {}).get("refundedAmount") == 980 and ref.get().to_dict(),
        what="charge.refunded to be recorded",
    )
    assert refunded["payment"]["state"] == "partially_refunded"
    assert refunded["providerEarnings"] == earnings - 980 * earnings // 4900

    dispute = stripe_post(f"/_test/charges/{charge}/dispute", {"reason": "fraudulent"})
    frozen = wait_for(lambda: (ref.get().to_dict() or {}).get("earningsFrozen") and ref.get().to_dict(), what="dispute")
    assert frozen["disputed"] is True and frozen["dispute"]["id"] == dispute["id"]
    assert db.document(f"mail/dispute_{dispute['id']}").get().exists
    stripe_post(f"/_test/disputes/{dispute['id']}/close", {"status": "lost"})
    lost = wait_for(
        lambda: (ref.get().to_dict() or {}).get("dispute", {}).get("status") == "lost" and ref.get().to_dict(),
        what="the lost dispute",
    )
    assert (lost["earningsFrozen"], lost["payment"]["state"], lost["providerEarnings"]) == (False, "refunded", 0)
    assert db.document(f"payments/{booking['paymentIntentId']}").get().to_dict()["state"] == "refunded"
    events = [d.to_dict() for d in refund_events(db, booking["paymentIntentId"])]
    assert sorted((e["type"], e["data"]["amount"]) for e in events) == [
        ("payment.refunded", 980),
        ("payment.refunded", 4900 - 980),
    ], "one event per refund, for the commissions' clawback"


def test_a_won_dispute_freezes_then_releases_the_providers_earnings(web: WebApp, db: Any) -> None:
    booking, charge = captured_call(web, db)
    ref = db.document(f"call_sessions/{booking['callSessionId']}")
    earnings = ref.get().to_dict()["providerEarnings"]
    dispute = stripe_post(f"/_test/charges/{charge}/dispute", {"reason": "product_not_received"})
    frozen = wait_for(lambda: (ref.get().to_dict() or {}).get("earningsFrozen") and ref.get().to_dict(), what="dispute")
    assert (frozen["disputed"], frozen["providerEarnings"], frozen["payment"]["state"]) == (True, earnings, "captured")
    stripe_post(f"/_test/disputes/{dispute['id']}/close", {"status": "won"})
    won = wait_for(
        lambda: (ref.get().to_dict() or {}).get("dispute", {}).get("status") == "won" and ref.get().to_dict(),
        what="the won dispute",
    )
    assert (won["earningsFrozen"], won["providerEarnings"], won["payment"]["state"]) == (False, earnings, "captured")
    assert won["payment"].get("refundedAmount") in (None, 0)
    assert not refund_events(db, booking["paymentIntentId"])
