"""Refunds, and the transfer and application fee of a destination charge, as Stripe has them.

`POST /v1/refunds` (`payment_intent` or `charge`, `amount` (default: what is left), `reason`,
`metadata`, `reverse_transfer`, `refund_application_fee`) answers Stripe's `refund` and emits
`charge.refunded` (with `previous_attributes`) then `refund.created`. Refused as Stripe does (400
naming the parameter): unknown parameters, more than is left, a charge refunded in full
(`charge_already_refunded`) or disputed (`charge_disputed`), a PaymentIntent without a captured
charge, `reverse_transfer` without a transfer, `refund_application_fee` without a fee.

A captured PaymentIntent with `transfer_data[destination]` transfers all that was captured (or
`transfer_data[amount]`) to the account (`transfer.created`) and takes `application_fee_amount`
back as an `application_fee` (`application_fee.created`), as Stripe does. `reverse_transfer` and
`refund_application_fee` give back in proportion (`transfer.reversed`, `application_fee.refunded`):
Stripe documents no rounding; each step here is half-up(total x R_after / captured) minus
half-up(total x R_before / captured), R counting the refunds that asked, so steps add up to the total.
`GET /v1/transfers/{id}`, `/v1/application_fees/{id}` (with `reversals`, `refunds` embedded, as at
the pinned version) and their `/reversals`, `/refunds` lists read them.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from localstripe.errors import UserError
from localstripe.resources import Charge, List, PaymentIntent, Refund, StripeObject, store, try_convert_to_int
from stripe._request_options import RequestOptions
from stripe.params._refund_create_params import RefundCreateParams

from devtools.localstripe_billing import as_bool, as_metadata, diff, emit, hold_events, set_route
from devtools.localstripe_events import unexpanded

Json = dict[str, Any]
REASONS = ("duplicate", "fraudulent", "requested_by_customer")
PARAMS = frozenset(RefundCreateParams.__annotations__) - frozenset(RequestOptions.__annotations__)
NOT_MODELLED = ("currency", "customer", "origin")
"""Customer-balance refunds: accepted by Stripe, not implemented here (refused, not ignored)."""
APPLICATION = "ca_localstripe_platform"
REFUND_NULLS: tuple[str, ...] = ("customer", "description", "failure_balance_transaction", "failure_reason")
REFUND_NULLS += ("instructions_email", "next_action", "payment_method", "pending_reason", "presentment_details")
REFUND_NULLS += ("reason", "receipt_number", "source_transfer_reversal", "transfer_reversal")
"""What Stripe's refund has that localstripe's lacks (null for a card refund unless set)."""
SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£"}
ZERO_DECIMAL = ("bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "xaf", "xof")


def param_error(message: str, param: str, code: str | None = None) -> UserError:
    """Stripe's 400 `invalid_request_error` naming the parameter."""
    return UserError(400, message, {"param": param, **({"code": code} if code else {})})


def stored(kind: str, id: Any, param: str = "id") -> Any:
    """The object `kind:id`, or Stripe's 404 `resource_missing`."""
    found = store.get(f"{kind}:{id}") if isinstance(id, str) else None
    if found is None:
        raise UserError(404, f"No such {kind}: '{id}'", {"code": "resource_missing", "param": param})
    return found


def rendered(self: StripeObject, expand: Any = None) -> Json:
    """An object as the pinned version renders it: expandable fields are ids unless expanded."""
    return dict(unexpanded(StripeObject._export(self, expand=expand), keep=tuple(expand or ())))


def listed(url: str, kind: str, field: str, value: str) -> List:
    """Stripe's list of the `kind` objects whose `field` is `value`, newest first."""
    found = List(url, limit=100)
    found._list = [v for k, v in reversed(store.items()) if k.startswith(kind + ":") and getattr(v, field) == value]
    return found


def _step(total: int, before: int, part: int, base: int) -> int:
    """What a refund of `part` (after `before`) moves of `total`, in proportion to `base`, half up."""
    return (2 * total * (before + part) + base) // (2 * base) - (2 * total * before + base) // (2 * base)


class Transfer(StripeObject):  # type: ignore[misc]
    object = "transfer"
    _id_prefix = "tr_"
    _export = rendered

    def __init__(self, charge: Any, amount: int, destination: str) -> None:
        super().__init__()
        self.amount, self.amount_reversed, self.currency = amount, 0, charge.currency
        self.balance_transaction = self.description = self.destination_payment = None
        self.destination, self.source_transaction, self.metadata = destination, charge.id, Json()
        self.source_type, self.transfer_group = "card", charge.transfer_group
        self._refunded = 0

    reversals = property(
        lambda self: listed(f"/v1/transfers/{self.id}/reversals", "transfer_reversal", "transfer", self.id)
    )
    reversed = property(lambda self: self.amount_reversed >= self.amount)


class TransferReversal(StripeObject):  # type: ignore[misc]
    object = "transfer_reversal"
    _id_prefix = "trr_"
    _export = rendered

    def __init__(self, transfer: Transfer, amount: int, refund: str) -> None:
        super().__init__()
        self.amount, self.currency, self.transfer, self.source_refund = amount, transfer.currency, transfer.id, refund
        self.balance_transaction, self.destination_payment_refund, self.metadata = None, None, Json()


class ApplicationFee(StripeObject):  # type: ignore[misc]
    object = "application_fee"
    _id_prefix = "fee_"
    _export = rendered

    def __init__(self, charge: Any, amount: int, account: str) -> None:
        super().__init__()
        self.account, self.amount, self.amount_refunded, self.application = account, amount, 0, APPLICATION
        self.balance_transaction = self.originating_transaction = None
        self.charge, self.currency = charge.id, charge.currency
        self.fee_source = {"charge": charge.id, "type": "charge"}
        self._refunded = 0

    refunds = property(lambda self: listed(f"/v1/application_fees/{self.id}/refunds", "fee_refund", "fee", self.id))
    refunded = property(lambda self: self.amount_refunded >= self.amount)


class FeeRefund(StripeObject):  # type: ignore[misc]
    object = "fee_refund"
    _id_prefix = "fr_"
    _export = rendered

    def __init__(self, fee: ApplicationFee, amount: int) -> None:
        super().__init__()
        self.amount, self.currency, self.fee, self.balance_transaction = amount, fee.currency, fee.id, None
        self.metadata = Json()


def _charge_attribute(name: str) -> property:
    """A charge's field that Stripe copies from its PaymentIntent."""
    return property(lambda charge: getattr(store.get(f"payment_intent:{charge.payment_intent}"), name, None))


def amount_captured(charge: Any) -> int:
    """What the charge took: its amount less what a partial capture released."""
    if not charge.captured or charge.status != "succeeded":
        return 0
    return int(getattr(charge, "_captured", charge.amount))


_original_on_success = PaymentIntent._on_success


def _on_success(self: PaymentIntent) -> None:
    """Runs when the charge is captured (at confirm, or by capture): pay the destination first."""
    charge = self.latest_charge
    charge._captured = charge.amount - charge.amount_refunded  # localstripe refunds the part not captured
    destination = (getattr(self, "transfer_data", None) or {}).get("destination")
    if destination is not None and charge.transfer is None:
        share = self.transfer_data.get("amount")
        charge.transfer_group = "group_" + self.id
        transfer = Transfer(charge, charge._captured if share is None else min(share, charge._captured), destination)
        charge.transfer = transfer.id
        emit("transfer.created", transfer)
        if self.application_fee_amount is not None:
            fee = ApplicationFee(charge, min(self.application_fee_amount, charge._captured), destination)
            charge.application_fee = fee.id
            emit("application_fee.created", fee)
    _original_on_success(self)


def _money(amount: int, currency: str) -> str:
    major = f"{amount:,}" if currency in ZERO_DECIMAL else f"{amount / 100:,.2f}"
    return SYMBOLS[currency] + major if currency in SYMBOLS else f"{major} {currency.upper()}"


def _refunded_charge(payment_intent: Any, charge: Any) -> Any:
    if payment_intent is None and charge is None:
        message = "One of the following params should be provided for this request: payment_intent or charge."
        raise UserError(400, message)
    intent = None if payment_intent is None else stored("payment_intent", payment_intent, "payment_intent")
    found = stored("charge", charge, "charge") if intent is None or charge is not None else intent.latest_charge
    if intent is not None and found is not None and found.payment_intent != intent.id:
        raise param_error(f"Charge {found.id} does not belong to PaymentIntent {intent.id}.", "charge")
    if found is None or found.status != "succeeded" or not found.captured:
        name = intent.id if intent is not None else found.payment_intent
        message = f"This PaymentIntent ({name}) does not have a successful charge to refund."
        raise param_error(
            message if name else f"Charge {found.id} has not been captured.", "payment_intent" if intent else "charge"
        )
    if getattr(found, "disputed", False):
        message = f"Charge {found.id} has been charged back; cannot issue a refund."
        raise UserError(400, message, {"code": "charge_disputed"})
    return found


def _amount(value: Any, left: int, charge: Any) -> int:
    if value is None:
        return left
    amount = try_convert_to_int(value)
    if type(amount) is not int or amount < 1:
        raise param_error("Invalid positive integer", "amount", "parameter_invalid_integer")
    if amount > left:
        asked, rest = _money(amount, charge.currency), _money(left, charge.currency)
        raise param_error(f"Refund amount ({asked}) is greater than unrefunded amount on charge ({rest})", "amount")
    return amount


def create_refund(**params: Any) -> Refund:
    """`POST /v1/refunds`."""
    for name in sorted(params):
        if name not in PARAMS:
            raise param_error(f"Received unknown parameter: {name}", name, "parameter_unknown")
        if name in NOT_MODELLED:
            raise param_error(f"localstripe: `{name}` (customer balance refunds) is not implemented", name)
    charge = _refunded_charge(params.get("payment_intent"), params.get("charge"))
    left = int(charge.amount - charge.amount_refunded)
    if left <= 0:
        raise UserError(400, f"Charge {charge.id} has already been refunded.", {"code": "charge_already_refunded"})
    amount = _amount(params.get("amount"), left, charge)
    reason = params.get("reason") or None
    if reason is not None and reason not in REASONS:
        raise param_error("Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer", "reason")
    reverse = as_bool(params.get("reverse_transfer", False), "reverse_transfer")
    fee_back = as_bool(params.get("refund_application_fee", False), "refund_application_fee")
    if reverse and charge.transfer is None:
        raise param_error(f"Charge {charge.id} has no transfer to reverse.", "reverse_transfer")
    if fee_back and charge.application_fee is None:
        raise param_error(f"Charge {charge.id} has no application fee to refund.", "refund_application_fee")
    metadata = as_metadata(params.get("metadata"))
    before, base = charge._export(), amount_captured(charge)
    with hold_events() as held:
        refund = Refund(charge=charge.id, amount=amount, metadata=metadata)
        refund.payment_intent, refund.reason = charge.payment_intent, reason
        refund.customer, refund.payment_method = charge.customer, charge.payment_method
        refund.instructions_email = params.get("instructions_email")
        if reverse:
            transfer = stored("transfer", charge.transfer)
            make = partial(TransferReversal, transfer, refund=refund.id)
            refund.transfer_reversal = _give_back(transfer, "amount_reversed", amount, base, "transfer.reversed", make)
        if fee_back:
            fee = stored("application_fee", charge.application_fee)
            _give_back(fee, "amount_refunded", amount, base, "application_fee.refunded", partial(FeeRefund, fee))
        emit("charge.refunded", charge, diff(before, charge._export()))
        emit("refund.created", refund)
        held[:] = held[-2:] + held[:-2]  # the refund first, then what it moved back
    return refund


def _give_back(obj: Any, field: str, amount: int, base: int, event: str, make: Any) -> str | None:
    """Move back `obj`'s share of a refund of `amount` (`make(share)`, then `event`), unless it rounds to 0."""
    moved = min(_step(obj.amount, obj._refunded, amount, base), obj.amount - getattr(obj, field))
    obj._refunded += amount
    if moved <= 0:
        return None
    was, made = obj._export(), make(moved)
    setattr(obj, field, getattr(obj, field) + moved)
    emit(event, obj, diff(was, obj._export()))
    return str(made.id)


def _refund_export(self: Refund, expand: Any = None) -> Json:
    exported = rendered(self, expand)
    exported.pop("date", None)  # localstripe's; Stripe's refund has none
    return exported


_original_list = Refund._api_list_all.__func__


def _list_refunds(cls: type[Refund], /, url: str, **query: Any) -> List:
    """localstripe's list, newest first as Stripe lists (it kept the oldest first within a second)."""
    found = _original_list(cls, url, **query)
    found._list.reverse()
    found._list.sort(key=lambda refund: refund.date, reverse=True)
    return found


def _destination_details(self: Refund) -> Json:
    card = {"reference": None, "reference_status": "pending", "reference_type": "acquirer_reference_number"}
    return {"type": "card", "card": {**card, "type": "refund"}}


def register() -> None:
    """The refund route and fields, destination transfers on capture, and the routes reading them."""
    for name in REFUND_NULLS:
        setattr(Refund, name, None)
    Refund.destination_details = property(_destination_details)
    Refund._export = _refund_export
    Refund._api_list_all = classmethod(_list_refunds)
    Charge.transfer = Charge.application_fee = Charge.transfer_group = None
    Charge.on_behalf_of = Charge.source_transfer = None
    Charge.transfer_data = _charge_attribute("transfer_data")
    Charge.application_fee_amount = _charge_attribute("application_fee_amount")
    Charge.amount_captured = property(amount_captured)
    PaymentIntent._on_success = _on_success
    set_route("POST", "/v1/refunds", create_refund)
    set_route("GET", "/v1/transfers/{id}", lambda id, **query: stored("transfer", id))
    set_route("GET", "/v1/transfers/{id}/reversals", lambda id, **query: stored("transfer", id).reversals)
    set_route("GET", "/v1/application_fees/{id}", lambda id, **query: stored("application_fee", id))
    set_route("GET", "/v1/application_fees/{id}/refunds", lambda id, **query: stored("application_fee", id).refunds)
