"""Firestore triggers and scheduled functions of west3, on the full stack."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from devtools import cron, ports
from tests.e2e.booking import asked_cost, book, new_provider, provider_doc, settled_session, sim_configure
from tests.e2e.conftest import WebApp, confirm_card, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("fresh_simulator")]


def _mails(db: Any, prefix: str) -> list[str]:
    return [d.id for d in db.collection("mail").stream() if d.id.startswith(prefix)]


def test_payment_and_session_triggers_fire_once(web: WebApp, db: Any) -> None:
    booking = book(web, db, "+33600000001")
    session = settled_session(db, booking["callSessionId"])
    pi = booking["paymentIntentId"]
    # onCallSessionPaymentAuthorized: one conversion event for the hold.
    assert db.document(f"conversion_events/{pi}_payment_authorized").get().exists
    # onCallSessionPaymentCaptured: provider statistics and the earnings notice.
    wait_for(lambda: provider_doc(db, booking["providerId"]).get("completedCalls") == 1, what="provider statistics")
    assert provider_doc(db, booking["providerId"])["earningsByCurrency"] == {"eur": session["providerEarnings"]}
    wait_for(lambda: db.document(f"mail/earnings_{booking['callSessionId']}").get().exists, what="earnings mail")
    # handlePaymentReceived: the receipt, after Stripe's payment_intent.succeeded webhook.
    wait_for(lambda: _mails(db, f"payment_receipt_{pi}"), what="the receipt mail")
    assert len(_mails(db, f"payment_receipt_{pi}")) == 1


def test_declined_card_queues_the_payment_failed_mail(web: WebApp, db: Any) -> None:
    client = web.sign_up()
    provider_id = new_provider(db, "+33600000001")
    created = web.call(
        "europe-west3",
        "createPaymentIntent",
        {
            "amount": 49,
            "currency": "eur",
            "serviceType": "lawyer_call",
            "providerId": provider_id,
            "clientId": client.uid,
            "callSessionId": f"e2e_declined_{client.uid[:10]}",
        },
        client,
    )
    pi = created.result["paymentIntentId"]
    confirm_card(pi, created.result["clientSecret"], payment_method="pm_card_chargeCustomerFail")
    wait_for(lambda: db.document(f"payments/{pi}").get().to_dict()["state"] == "failed", what="payment failed")
    wait_for(lambda: _mails(db, f"payment_failed_{pi}"), what="the payment-failed mail")


def _fire(name: str) -> int:
    status: int = cron.fire(name, "europe-west3", datetime.now(UTC))
    return status


def test_scheduled_functions_run_by_hand_and_write_their_reports(web: WebApp, db: Any) -> None:
    before = {d.id for d in db.collection("payment_recovery_reports").stream()}
    assert _fire("stuckPaymentsRecovery") < 300
    reports = {d.id for d in db.collection("payment_recovery_reports").stream()} - before
    assert reports  # one report per run (a scheduler's redelivery may add one)
    assert _fire("runPaymentHealthCheck") < 300
    health = db.document("payment_health/latest").get().to_dict()
    assert health["status"] in ("ok", "warning", "critical")
    assert _fire("collectDailyPaymentMetrics") < 300
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    assert db.document(f"metrics_daily/{yesterday}").get().exists


def test_health_check_over_http_is_for_admins_only(web: WebApp) -> None:
    url = ports.function_url("europe-west3", "paymentHealthCheck")
    assert requests.get(url, timeout=60).status_code == 401
    client = web.sign_up()
    assert requests.get(url, headers={"Authorization": f"Bearer {client.id_token}"}, timeout=60).status_code == 403
    admin = web.sign_in("admin@demo.sos-expat.test")
    response = requests.get(url, headers={"Authorization": f"Bearer {admin.id_token}"}, timeout=60)
    assert response.status_code == 200
    assert response.json()["status"] in ("ok", "warning", "critical")


def test_call_costs_are_completed_once_twilio_prices_the_calls(web: WebApp, db: Any) -> None:
    sim_configure(price_delay_seconds=36_000)  # Twilio prices the calls 10 (virtual) hours late
    booking = book(web, db, "+33600000001")  # accepts and stays; the client talks 5 minutes
    session = db.document(f"call_sessions/{booking['callSessionId']}")
    assert settled_session(db, booking["callSessionId"])["status"] == "completed"
    # Under load the emulator can hold the session's lock for a while: the figure may come late.
    pending = wait_for(lambda: asked_cost(session.get().to_dict()), timeout=60, what="the first cost figure")
    assert (pending["complete"], pending["pending"], pending["calls"]) == (False, True, 2)
    assert _fire("completeCallCosts") < 300
    assert session.get().to_dict()["twilioCost"]["complete"] is False  # still not priced
    sim_configure(price_delay_seconds=0)
    assert _fire("completeCallCosts") < 300
    cost = session.get().to_dict()["twilioCost"]
    assert (cost["complete"], cost["pending"], cost["calls"]) == (True, False, 2) and cost["micros"] >= 90_000
