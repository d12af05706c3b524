"""Disputes on the local Stripe: opened by a test control as the cardholder's bank would, decided
won or lost, each step a webhook as Stripe sends it; a disputed charge is not refunded."""

from collections.abc import Iterator
from typing import Any

import pytest
import requests
import stripe

from tests.integration.localstripe_billing_support import AUTH, Hooks, client, hooks_fixture
from tests.integration.test_localstripe_refunds import charge_of, paid, refund, refused

RESPONSE_WINDOW = 7 * 24 * 3600


@pytest.fixture
def hooks(stripe_api: str, webhook_receiver: Any) -> Iterator[Hooks]:
    yield from hooks_fixture(stripe_api, webhook_receiver)


def control(url: str, path: str, **body: Any) -> requests.Response:
    return requests.post(f"{url}{path}", json=body, auth=AUTH, timeout=5)


def opened(url: str, charge: str, **body: Any) -> dict[str, Any]:
    response = control(url, f"/_test/charges/{charge}/dispute", **body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_a_chargeback_opens_a_dispute_and_losing_it_closes_it(stripe_api: str, hooks: Hooks) -> None:
    intent = paid(stripe_api)
    charge = charge_of(stripe_api, intent)
    dispute = opened(stripe_api, charge.id, reason="fraudulent")
    assert dispute["id"].startswith("dp_")
    assert {k: dispute[k] for k in ("object", "amount", "currency", "charge", "payment_intent", "reason")} == {
        "object": "dispute",
        "amount": 4900,
        "currency": "eur",
        "charge": charge.id,
        "payment_intent": intent.id,
        "reason": "fraudulent",
    }
    assert (dispute["status"], dispute["is_charge_refundable"], dispute["balance_transactions"]) == (
        "needs_response",
        False,
        [],
    )
    details = dispute["evidence_details"]
    assert (details["due_by"], details["has_evidence"], details["submission_count"]) == (
        dispute["created"] + RESPONSE_WINDOW,
        False,
        0,
    )
    assert charge_of(stripe_api, intent).disputed is True
    charged_back = refused(stripe_api, payment_intent=intent.id)
    assert charged_back.code == "charge_disputed"
    assert charged_back.user_message == f"Charge {charge.id} has been charged back; cannot issue a refund."
    assert control(stripe_api, f"/_test/charges/{charge.id}/dispute").status_code == 400  # one per charge

    lost = control(stripe_api, f"/_test/disputes/{dispute['id']}/close", status="lost")
    assert lost.status_code == 200 and lost.json()["status"] == "lost"
    retrieved = client(stripe_api).v1.disputes.retrieve(dispute["id"])
    assert isinstance(retrieved, stripe.Dispute) and retrieved.status == "lost"
    assert charge_of(stripe_api, intent).disputed is True
    assert control(stripe_api, f"/_test/disputes/{dispute['id']}/close", status="won").status_code == 400

    hooks.wait("charge.dispute.created", "charge.dispute.closed")
    created, closed = hooks.last("charge.dispute.created"), hooks.last("charge.dispute.closed")
    assert (created["data"]["object"]["id"], created["data"]["object"]["status"]) == (dispute["id"], "needs_response")
    assert created["data"]["object"]["charge"] == charge.id
    assert (closed["data"]["object"]["status"], closed["data"]["previous_attributes"]) == (
        "lost",
        {"status": "needs_response"},
    )
    assert [t for t in hooks.settle() if t.startswith("charge.dispute.")] == [
        "charge.dispute.created",
        "charge.dispute.closed",
    ]


def test_a_dispute_of_part_of_the_charge_can_be_won(stripe_api: str, hooks: Hooks) -> None:
    intent = paid(stripe_api)
    charge = charge_of(stripe_api, intent)
    refund(stripe_api, payment_intent=intent.id, amount=900)
    too_much = control(stripe_api, f"/_test/charges/{charge.id}/dispute", reason="product_not_received", amount=4001)
    assert too_much.status_code == 400 and too_much.json()["error"]["param"] == "amount"
    dispute = opened(stripe_api, charge.id, reason="product_not_received", amount=1500)
    assert (dispute["amount"], dispute["reason"]) == (1500, "product_not_received")

    won = control(stripe_api, f"/_test/disputes/{dispute['id']}/close", status="won")
    assert won.status_code == 200 and won.json()["status"] == "won"
    hooks.wait("charge.dispute.created", "charge.dispute.closed")
    assert hooks.last("charge.dispute.closed")["data"]["object"]["status"] == "won"
    listed = client(stripe_api).v1.disputes.list(params={"charge": charge.id})
    assert [(d.id, d.status) for d in listed.data] == [(dispute["id"], "won")]


def test_accepting_a_dispute_through_the_api_loses_it(stripe_api: str, hooks: Hooks) -> None:
    charge = charge_of(stripe_api, paid(stripe_api))
    dispute = opened(stripe_api, charge.id)
    closed = client(stripe_api).v1.disputes.close(dispute["id"])
    assert (closed.status, closed.reason) == ("lost", "fraudulent")
    hooks.wait("charge.dispute.created", "charge.dispute.closed")


def test_no_dispute_opens_on_an_uncaptured_charge_nor_for_an_unknown_reason(stripe_api: str) -> None:
    held = charge_of(stripe_api, paid(stripe_api, capture=False))
    assert control(stripe_api, f"/_test/charges/{held.id}/dispute", reason="fraudulent").status_code == 400
    charge = charge_of(stripe_api, paid(stripe_api))
    unknown = control(stripe_api, f"/_test/charges/{charge.id}/dispute", reason="because")
    assert unknown.status_code == 400 and unknown.json()["error"]["param"] == "reason"
    assert client(stripe_api).v1.disputes.list().data == []
    assert (charge_of(stripe_api, paid(stripe_api)).disputed, held.disputed) == (False, False)
    missing = requests.get(f"{stripe_api}/v1/disputes/dp_missing", auth=AUTH, timeout=5)
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "resource_missing")
