"""Helpers for subscription e2e tests: providers, Checkout, the local Stripe clock, mails, crons."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import requests

from devtools import cron, ports
from tests.e2e.conftest import STRIPE, Account, CallResult, WebApp, wait_for

WEST3 = "europe-west3"
SK = (ports.STRIPE_SECRET_KEY, "")


def new_subscriber(web: WebApp, db: Any, kind: str) -> Account:
    """A fresh signed-in provider (`lawyer` or `expat`) with its `sos_profiles` document."""
    account = web.sign_up()
    db.document(f"sos_profiles/{account.uid}").set({"type": kind})
    db.document(f"sos_profiles/{account.uid}/private/account").set({"email": account.email})
    return account


def plans_synced(web: WebApp) -> None:
    admin = web.sign_in("admin@demo.sos-expat.test")
    synced = web.call(WEST3, "syncSubscriptionPlansToStripe", {}, admin)
    assert synced.status == 200, synced.body


def start_checkout(web: WebApp, account: Account, plan_id: str, currency: str, billing_period: str) -> CallResult:
    data = {"planId": plan_id, "currency": currency, "billingPeriod": billing_period}
    return web.call(WEST3, "createSubscriptionCheckout", data, account)


def subscription(db: Any, uid: str, timeout: float = 30, **expected: Any) -> dict[str, Any]:
    """`subscriptions/{uid}` once every expected field has its value."""
    ref = db.document(f"subscriptions/{uid}")

    def matches() -> dict[str, Any] | None:
        doc = ref.get().to_dict() or {}
        return doc if all(doc.get(k) == v for k, v in expected.items()) else None

    doc: dict[str, Any] = wait_for(matches, timeout=timeout, what=f"subscription {expected}")
    return doc


def complete_checkout(session_id: str, payment_method: str = "pm_card_visa") -> None:
    """What the provider does on Stripe's Checkout page."""
    paid = requests.post(
        f"{STRIPE}/_test/checkout/sessions/{session_id}/complete",
        data={"payment_method": payment_method},
        auth=SK,
        timeout=10,
    )
    assert paid.status_code == 200, paid.text


def stripe_get(path: str) -> dict[str, Any]:
    response = requests.get(f"{STRIPE}/v1/{path}", auth=SK, timeout=10)
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


def set_card(customer_id: str, payment_method: str) -> None:
    """The card the customer's next charges use (a Portal payment-method update)."""
    requests.post(
        f"{STRIPE}/_test/customers/{customer_id}/card", data={"payment_method": payment_method}, auth=SK, timeout=10
    ).raise_for_status()


def advance_stripe_to(when: datetime) -> None:
    """Move the local Stripe clock; what falls due on the way (renewals, retries) happens."""
    target = int(when.timestamp())
    requests.post(f"{STRIPE}/_test/clock/advance", json={"to": target}, auth=SK, timeout=60).raise_for_status()


def run_dunning_cron_at(when: datetime) -> None:
    """Fire the daily dunning job as Cloud Scheduler would at `when`."""
    status = cron.fire("suspendOverdueSubscriptions", WEST3, when)
    assert status < 300, status


def stripe_now() -> datetime:
    return cron.stripe_now()


def stripe_webhooks_delivered() -> None:
    """Wait until the local Stripe has delivered (and our webhook answered) every event so far:
    nothing late can still rewrite a subscription document."""

    def drained() -> bool:
        status: dict[str, Any] = requests.get(f"{STRIPE}/_test/webhooks", auth=SK, timeout=10).json()
        return int(status["pending"]) == 0

    wait_for(drained, timeout=60, what="Stripe webhooks delivered")


def mails_to(db: Any, uid: str, template: str) -> list[dict[str, Any]]:
    from google.cloud.firestore_v1.base_query import FieldFilter

    found = db.collection("mail").where(filter=FieldFilter("toUids", "array_contains", uid)).stream()
    return [m for m in (d.to_dict() for d in found) if m["template"]["name"] == template]


def at(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)
