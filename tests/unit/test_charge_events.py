"""charge.refunded and charge.dispute.* on a call's captured charge, through stripeWebhook's table."""

from __future__ import annotations

from typing import Any

from shared.entry.stripe_events import STRIPE_EVENT_HANDLERS
from tests.unit.test_call_refunds import Refunds


def deliver(w: Refunds, event_type: str, obj: dict[str, Any], event_id: str = "evt_1") -> None:
    event = {"id": event_id, "type": event_type, "created": 1, "data": {"object": obj}}
    w.store.run_transaction(lambda tx: STRIPE_EVENT_HANDLERS[event_type](tx, event, w.clock.now()))


def booked(w: Refunds) -> Refunds:
    w.store.set(f"payments/{w.pi}", {"callSessionId": "s1"}, merge=True)
    return w


def test_a_refund_made_outside_the_product_is_recorded_once() -> None:
    w = booked(Refunds())
    charge = {"id": "ch_1", "payment_intent": w.pi, "amount_refunded": 980, "currency": "eur"}
    deliver(w, "charge.refunded", charge, "evt_a")
    session = w.session()
    assert (session["payment"]["state"], session["payment"]["refundedAmount"], session["providerEarnings"]) == (
        "partially_refunded",
        980,
        3000 - 600,
    )
    deliver(w, "charge.refunded", charge, "evt_b")  # the same total again: nothing new
    assert w.session()["payment"]["refundedAmount"] == 980 and w.payment()["refundedAmount"] == 980


def test_the_products_own_refund_is_not_counted_twice_by_its_webhook() -> None:
    w = booked(Refunds())
    w.refund(amountCents=2450)
    deliver(w, "charge.refunded", {"id": "ch_1", "payment_intent": w.pi, "amount_refunded": 2450, "currency": "eur"})
    assert w.session()["payment"]["refundedAmount"] == 2450 and w.session()["providerEarnings"] == 1500


def test_a_dispute_freezes_the_earnings_and_tells_the_admins_won_unfreezes() -> None:
    w = booked(Refunds())
    dispute = {"id": "dp_1", "payment_intent": w.pi, "amount": 4900, "currency": "eur", "reason": "fraudulent"}
    deliver(w, "charge.dispute.created", {**dispute, "status": "needs_response"})
    session = w.session()
    assert (session["disputed"], session["earningsFrozen"], session["dispute"]["status"]) == (
        True,
        True,
        "needs_response",
    )
    mail = w.store.get("mail/dispute_dp_1") or {}
    assert mail["template"]["name"] == "dispute_opened" and mail["to"]
    deliver(w, "charge.dispute.closed", {**dispute, "status": "won"}, "evt_2")
    assert (w.session()["earningsFrozen"], w.session()["dispute"]["status"], w.session()["providerEarnings"]) == (
        False,
        "won",
        3000,
    )


def test_a_lost_dispute_counts_as_a_refund() -> None:
    w = booked(Refunds())
    dispute = {"id": "dp_2", "payment_intent": w.pi, "amount": 4900, "currency": "eur", "reason": "fraudulent"}
    deliver(w, "charge.dispute.created", {**dispute, "status": "needs_response"})
    deliver(w, "charge.dispute.closed", {**dispute, "status": "lost"}, "evt_2")
    session = w.session()
    assert (session["payment"]["state"], session["providerEarnings"], session["earningsFrozen"]) == (
        "refunded",
        0,
        False,
    )
    assert w.payment()["state"] == "refunded"


def test_events_about_charges_that_are_not_calls_change_nothing() -> None:
    w = Refunds()
    before = dict(w.store.docs)
    deliver(w, "charge.refunded", {"id": "ch_9", "payment_intent": "pi_other", "amount_refunded": 5, "currency": "eur"})
    deliver(w, "charge.dispute.created", {"id": "dp_9", "payment_intent": None, "status": "needs_response"})
    assert w.store.docs == before


def test_a_lost_dispute_after_a_partial_refund_takes_only_what_is_left() -> None:
    w = booked(Refunds())
    w.refund(amountCents=980)
    dispute = {"id": "dp_3", "payment_intent": w.pi, "amount": 4900, "currency": "eur", "reason": "fraudulent"}
    deliver(w, "charge.dispute.closed", {**dispute, "status": "lost"}, "evt_3")
    assert (w.session()["payment"]["refundedAmount"], w.session()["payment"]["state"]) == (4900, "refunded")
    deliver(w, "charge.dispute.closed", {**dispute, "id": "dp_4", "status": "lost"}, "evt_4")
    assert w.session()["payment"]["refundedAmount"] == 4900 and w.session()["earningsFrozen"] is False
