"""The local Stripe refunds as Stripe does at the pinned API version: what is left and no more,
once per idempotency key, `charge.refunded` with `previous_attributes`, and a destination charge's
transfer and application fee given back in proportion."""

from collections.abc import Iterator
from typing import Any

import pytest
import requests
import stripe

from tests.integration.localstripe_billing_support import AUTH, Hooks, client, hooks_fixture


@pytest.fixture
def hooks(stripe_api: str, webhook_receiver: Any) -> Iterator[Hooks]:
    yield from hooks_fixture(stripe_api, webhook_receiver)


def paid(url: str, capture: bool = True, **params: Any) -> Any:
    """A PaymentIntent of 49 EUR authorised on a card, then captured unless told otherwise."""
    api = client(url).v1
    intent = api.payment_intents.create(
        params={
            "amount": 4900,
            "currency": "eur",
            "capture_method": "manual",
            "allowed_payment_method_types": ["card"],
            "payment_method": "pm_card_visa",
            "confirm": True,
            **params,
        }
    )
    assert intent.status == "requires_capture"
    return api.payment_intents.capture(intent.id) if capture else intent


def destination(url: str, **params: Any) -> Any:
    return paid(url, **{"transfer_data": {"destination": "acct_provider_1"}, **params})


def charge_of(url: str, intent: Any) -> Any:
    return client(url).v1.charges.retrieve(client(url).v1.payment_intents.retrieve(intent.id).latest_charge)


def refund(url: str, **params: Any) -> Any:
    return client(url).v1.refunds.create(params=params)


def refused(url: str, **params: Any) -> stripe.InvalidRequestError:
    with pytest.raises(stripe.InvalidRequestError) as error:
        refund(url, **params)
    assert error.value.http_status == 400
    return error.value


def get(url: str, path: str) -> Any:
    response = requests.get(f"{url}{path}", auth=AUTH, timeout=5)
    response.raise_for_status()
    return response.json()


def test_a_full_refund_gives_back_all_that_was_captured(stripe_api: str) -> None:
    intent = paid(stripe_api)
    made = refund(stripe_api, payment_intent=intent.id)
    assert isinstance(made, stripe.Refund) and made.id.startswith("re_")
    charge = charge_of(stripe_api, intent)
    assert (made.object, made.amount, made.currency, made.status) == ("refund", 4900, "eur", "succeeded")
    assert (made.charge, made.payment_intent, made.reason) == (charge.id, intent.id, None)
    assert (made.transfer_reversal, made.source_transfer_reversal) == (None, None)
    assert isinstance(made.balance_transaction, str) and made.balance_transaction.startswith("txn_")
    assert made.destination_details is not None and made.destination_details.type == "card"
    raw = get(stripe_api, f"/v1/refunds/{made.id}")
    assert raw["metadata"] == {} and "date" not in raw  # localstripe's `date` is not Stripe's
    assert (charge.amount_captured, charge.amount_refunded, charge.refunded) == (4900, 4900, True)

    again = refused(stripe_api, payment_intent=intent.id)
    assert again.code == "charge_already_refunded"
    assert again.user_message == f"Charge {charge.id} has already been refunded."


def test_partial_refunds_add_up_to_what_was_captured_and_never_more(stripe_api: str) -> None:
    intent = paid(stripe_api)
    first = refund(stripe_api, payment_intent=intent.id, amount=1000, reason="requested_by_customer")
    second = refund(stripe_api, charge=charge_of(stripe_api, intent).id, amount=2000, metadata={"refund": "s1:2"})
    assert (first.amount, first.reason, second.amount, second.payment_intent) == (
        1000,
        "requested_by_customer",
        2000,
        intent.id,
    )
    assert second.metadata.to_dict() == {"refund": "s1:2"}
    charge = charge_of(stripe_api, intent)
    assert (charge.amount_refunded, charge.refunded) == (3000, False)

    too_much = refused(stripe_api, payment_intent=intent.id, amount=1901)
    assert too_much.param == "amount"
    assert too_much.user_message == "Refund amount (€19.01) is greater than unrefunded amount on charge (€19.00)"
    assert charge_of(stripe_api, intent).amount_refunded == 3000

    rest = refund(stripe_api, payment_intent=intent.id)
    assert rest.amount == 1900
    charge = charge_of(stripe_api, intent)
    assert (charge.amount_refunded, charge.refunded) == (4900, True)
    listed = client(stripe_api).v1.refunds.list(params={"payment_intent": intent.id, "limit": 100})
    assert [r.id for r in listed.data] == [rest.id, second.id, first.id]
    expanded = client(stripe_api).v1.charges.retrieve(charge.id, params={"expand": ["refunds"]})
    assert expanded.refunds is not None and [r.amount for r in expanded.refunds.data] == [1900, 2000, 1000]
    assert "refunds" not in get(stripe_api, f"/v1/charges/{charge.id}")


def test_the_same_idempotency_key_gives_the_same_refund_once(stripe_api: str) -> None:
    intent = paid(stripe_api)
    api = client(stripe_api).v1
    params: Any = {"payment_intent": intent.id, "amount": 2450}
    first = api.refunds.create(params=params, options={"idempotency_key": "refund:s1:1"})
    again = api.refunds.create(params=params, options={"idempotency_key": "refund:s1:1"})
    assert again.id == first.id
    assert [r.id for r in api.refunds.list(params={"payment_intent": intent.id}).data] == [first.id]
    assert charge_of(stripe_api, intent).amount_refunded == 2450
    other = api.refunds.create(params=params, options={"idempotency_key": "refund:s1:2"})
    assert other.id != first.id and charge_of(stripe_api, intent).refunded is True


def test_an_uncaptured_intent_is_not_refunded(stripe_api: str) -> None:
    intent = paid(stripe_api, capture=False)
    error = refused(stripe_api, payment_intent=intent.id)
    assert error.param == "payment_intent"
    assert error.user_message == f"This PaymentIntent ({intent.id}) does not have a successful charge to refund."
    charge = charge_of(stripe_api, intent)
    assert (charge.captured, charge.amount_captured, charge.amount_refunded) == (False, 0, 0)
    assert client(stripe_api).v1.refunds.list(params={"payment_intent": intent.id}).data == []
    assert client(stripe_api).v1.payment_intents.retrieve(intent.id).status == "requires_capture"


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"refund_transfer": True}, "refund_transfer"),
        ({"reverse_transfer": True}, "reverse_transfer"),
        ({"refund_application_fee": True}, "refund_application_fee"),
        ({"reason": "changed_mind"}, "reason"),
        ({"amount": 0}, "amount"),
        ({"customer": "cus_1"}, "customer"),
    ],
)
def test_refused_parameters_name_the_parameter_and_refund_nothing(
    stripe_api: str, params: dict[str, Any], param: str
) -> None:
    intent = paid(stripe_api)
    assert refused(stripe_api, payment_intent=intent.id, **params).param == param
    assert charge_of(stripe_api, intent).amount_refunded == 0


def test_charge_refunded_carries_the_charge_and_its_previous_attributes(stripe_api: str, hooks: Hooks) -> None:
    intent = paid(stripe_api)
    first = refund(stripe_api, payment_intent=intent.id, amount=1000)
    second = refund(stripe_api, payment_intent=intent.id)
    hooks.wait("charge.refunded", "refund.created", "charge.refunded", "refund.created")
    mine = [e for e in hooks.events() if e["type"] in ("charge.refunded", "refund.created")]
    assert [e["type"] for e in mine] == ["charge.refunded", "refund.created"] * 2
    partly, fully = (e["data"] for e in mine if e["type"] == "charge.refunded")
    assert (partly["object"]["amount_refunded"], partly["object"]["refunded"]) == (1000, False)
    assert partly["previous_attributes"] == {"amount_refunded": 0}
    assert (fully["object"]["amount_refunded"], fully["object"]["refunded"]) == (4900, True)
    assert fully["previous_attributes"] == {"amount_refunded": 1000, "refunded": False}
    assert "refunds" not in fully["object"] and fully["object"]["payment_intent"] == intent.id
    created = [e["data"]["object"] for e in mine if e["type"] == "refund.created"]
    assert [(r["id"], r["amount"], r["charge"]) for r in created] == [
        (first.id, 1000, fully["object"]["id"]),
        (second.id, 3900, fully["object"]["id"]),
    ]
    assert "charge.refund.updated" not in hooks.settle()


def test_a_destination_charge_transfers_the_amount_and_takes_the_fee_back(stripe_api: str, hooks: Hooks) -> None:
    intent = destination(stripe_api, capture=False, application_fee_amount=1900)
    held = charge_of(stripe_api, intent)
    assert (held.transfer, held.application_fee, held.application_fee_amount) == (None, None, 1900)
    assert held.transfer_data is not None and held.transfer_data.destination == "acct_provider_1"

    client(stripe_api).v1.payment_intents.capture(intent.id)
    charge = charge_of(stripe_api, intent)
    assert isinstance(charge.transfer, str) and charge.transfer.startswith("tr_")
    assert isinstance(charge.application_fee, str) and charge.application_fee.startswith("fee_")
    assert charge.transfer_group == f"group_{intent.id}"
    transfer = get(stripe_api, f"/v1/transfers/{charge.transfer}")
    assert {k: transfer[k] for k in ("object", "amount", "amount_reversed", "reversed", "currency")} == {
        "object": "transfer",
        "amount": 4900,  # Stripe transfers the whole amount, then takes the application fee back
        "amount_reversed": 0,
        "reversed": False,
        "currency": "eur",
    }
    assert (transfer["destination"], transfer["source_transaction"]) == ("acct_provider_1", charge.id)
    assert transfer["reversals"] == {
        "object": "list",
        "data": [],
        "has_more": False,
        "url": f"/v1/transfers/{charge.transfer}/reversals",
    }
    fee = client(stripe_api).v1.application_fees.retrieve(charge.application_fee)
    assert (fee.amount, fee.amount_refunded, fee.refunded, fee.account, fee.charge) == (
        1900,
        0,
        False,
        "acct_provider_1",
        charge.id,
    )
    hooks.wait("transfer.created", "application_fee.created", "payment_intent.succeeded")
    assert hooks.last("transfer.created")["data"]["object"]["id"] == charge.transfer

    share = destination(stripe_api, transfer_data={"destination": "acct_provider_1", "amount": 3000})
    shared = charge_of(stripe_api, share)
    assert get(stripe_api, f"/v1/transfers/{shared.transfer}")["amount"] == 3000 and shared.application_fee is None


def test_reverse_transfer_and_refund_application_fee_give_back_in_proportion(stripe_api: str, hooks: Hooks) -> None:
    intent = destination(stripe_api, application_fee_amount=1900)
    charge = charge_of(stripe_api, intent)
    both = {"reverse_transfer": True, "refund_application_fee": True}
    half = refund(stripe_api, payment_intent=intent.id, amount=2450, **both)
    reversal = get(stripe_api, f"/v1/transfers/{charge.transfer}/reversals")["data"]
    assert [(r["id"], r["amount"], r["source_refund"], r["transfer"]) for r in reversal] == [
        (half.transfer_reversal, 2450, half.id, charge.transfer)
    ]
    assert get(stripe_api, f"/v1/application_fees/{charge.application_fee}")["amount_refunded"] == 950
    more = refund(stripe_api, payment_intent=intent.id, amount=1001, **both)  # fee: 1900 x 3451/4900 = 1338.1
    rest = refund(stripe_api, payment_intent=intent.id, **both)
    assert [more.amount, rest.amount] == [1001, 1449]
    transfer = get(stripe_api, f"/v1/transfers/{charge.transfer}")
    assert (transfer["amount_reversed"], transfer["reversed"]) == (4900, True)
    fee = get(stripe_api, f"/v1/application_fees/{charge.application_fee}")
    assert [r["amount"] for r in fee["refunds"]["data"]] == [562, 388, 950]
    assert (fee["amount_refunded"], fee["refunded"]) == (1900, True)

    hooks.wait("transfer.reversed", "application_fee.refunded", "transfer.reversed", "application_fee.refunded")
    first = next(e["data"] for e in hooks.events() if e["type"] == "transfer.reversed")
    assert (first["object"]["amount_reversed"], first["previous_attributes"]["amount_reversed"]) == (2450, 0)
    fee_event = next(e["data"] for e in hooks.events() if e["type"] == "application_fee.refunded")
    assert (fee_event["object"]["amount_refunded"], fee_event["previous_attributes"]["amount_refunded"]) == (950, 0)


def test_only_refunds_that_ask_reverse_the_transfer_each_by_its_rounded_share(stripe_api: str) -> None:
    intent = destination(stripe_api, transfer_data={"destination": "acct_provider_1", "amount": 3000})
    charge = charge_of(stripe_api, intent)
    made = [
        refund(stripe_api, payment_intent=intent.id, amount=1000, reverse_transfer=True),  # 3000 x 1000/4900 = 612.2
        refund(stripe_api, payment_intent=intent.id, amount=500),  # keeps the transfer
        refund(stripe_api, payment_intent=intent.id, amount=1000, reverse_transfer=True),  # 1224.5 - 612 = 612
        refund(stripe_api, payment_intent=intent.id, reverse_transfer=True),  # 2400: 2693.9 - 1224 = 1470
    ]
    assert made[1].transfer_reversal is None
    reversals = get(stripe_api, f"/v1/transfers/{charge.transfer}/reversals")["data"]
    assert [(r["amount"], r["source_refund"]) for r in reversals] == [
        (1470, made[3].id),
        (612, made[2].id),
        (612, made[0].id),
    ]
    transfer = get(stripe_api, f"/v1/transfers/{charge.transfer}")
    assert (transfer["amount_reversed"], transfer["reversed"]) == (2694, False)
