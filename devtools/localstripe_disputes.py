"""Disputes (chargebacks) on localstripe, opened and decided by local test controls.

Stripe opens a dispute when the cardholder's bank does (in test mode, for some test cards); here:
- `POST /_test/charges/{id}/dispute` `{"reason": "fraudulent", "amount": N}` (amount: default what
  is left after refunds) opens a card chargeback `dp_...` in `needs_response`, and emits
  `charge.dispute.created`. From then on the charge is `disputed: true` (as Stripe has it, won or
  lost) and cannot be refunded (Stripe's `charge_disputed`: `is_charge_refundable` is false);
- `POST /_test/disputes/{id}/close` `{"status": "won" | "lost"}` stands for the bank's decision:
  the status changes and `charge.dispute.closed` is emitted (with `previous_attributes`).
Stripe's own `POST /v1/disputes/{id}/close` (the platform accepts the dispute: lost), and
`GET /v1/disputes/{id}` and `GET /v1/disputes` (`charge`, `payment_intent`) are Stripe's.
The balance effect (funds withdrawn and reinstated, with their balance transactions and
`charge.dispute.funds_*` events) is not modelled: `balance_transactions` stays empty.
"""

from __future__ import annotations

from typing import Any

import stripe
from localstripe.errors import UserError
from localstripe.resources import Charge, StripeObject, store

from devtools.localstripe_billing import as_int, emit, set_route, unexpected
from devtools.localstripe_events import field_types
from devtools.localstripe_refunds import amount_captured, listed, param_error, rendered, stored

Json = dict[str, Any]
REASONS = (
    "bank_cannot_process",
    "check_returned",
    "credit_not_processed",
    "customer_initiated",
    "debit_not_authorized",
    "duplicate",
    "fraudulent",
    "general",
    "incorrect_account_details",
    "insufficient_funds",
    "noncompliant",
    "product_not_received",
    "product_unacceptable",
    "subscription_canceled",
    "unrecognized",
)
OPEN = ("needs_response", "under_review", "warning_needs_response", "warning_under_review")
RESPONSE_WINDOW_SECONDS = 7 * 24 * 3600


class Dispute(StripeObject):  # type: ignore[misc]
    object = "dispute"
    _id_prefix = "dp_"
    _export = rendered

    def __init__(self, charge: Any, amount: int, reason: str) -> None:
        super().__init__()
        self.amount, self.charge, self.currency, self.reason = amount, charge.id, charge.currency, reason
        self.payment_intent, self.status = charge.payment_intent, "needs_response"
        self.metadata: Json = {}
        self.balance_transactions: list[Json] = []
        self.enhanced_eligibility_types: list[str] = []
        self.evidence: Json = {name: None for name in field_types(stripe.Dispute.Evidence) if name[0] != "_"}
        self.evidence["enhanced_evidence"] = {}
        self.evidence_details = {
            "due_by": self.created + RESPONSE_WINDOW_SECONDS,
            "enhanced_eligibility": {},
            "has_evidence": False,
            "past_due": False,
            "submission_count": 0,
            "submission_method": "not_submitted",
        }
        self.intended_submission_method = self.network_reason_code = None
        self.is_charge_refundable = False
        card = {"brand": "visa", "case_type": "chargeback", "network_reason_code": None}
        self.payment_method_details = {"type": "card", "card": card}


def dispute_of(charge_id: str) -> Dispute | None:
    """The dispute of a charge (Stripe opens at most one per charge)."""
    return next((v for k, v in store.items() if k.startswith("dispute:") and v.charge == charge_id), None)


def _open(id: str, reason: Any = "fraudulent", amount: Any = None, **kwargs: Any) -> Dispute:
    unexpected(kwargs)
    charge = stored("charge", id)
    if dispute_of(id) is not None:
        raise UserError(400, f"Charge {id} has already been disputed.")
    left = int(charge.amount - charge.amount_refunded) if amount_captured(charge) else 0
    if left <= 0:
        raise UserError(400, f"Charge {id} has nothing captured and not refunded to dispute.")
    disputed = left if amount is None else as_int(amount, "amount", 1)
    if disputed > left:
        raise param_error(f"amount must be at most {left}, what is left of the charge", "amount")
    if reason not in REASONS:
        raise param_error("Invalid reason: must be one of " + ", ".join(REASONS), "reason")
    dispute = Dispute(charge, disputed, str(reason))
    emit("charge.dispute.created", dispute)
    return dispute


def _close(dispute: Dispute, status: str) -> Dispute:
    if dispute.status not in OPEN:
        raise UserError(400, f"This dispute is already closed ({dispute.status}).")
    previous = dispute.status
    dispute.status = status
    emit("charge.dispute.closed", dispute, {"status": previous})
    return dispute


def _decide(id: str, status: Any = None, **kwargs: Any) -> Dispute:
    unexpected(kwargs)
    if status not in ("won", "lost"):
        raise param_error("status must be won or lost", "status")
    return _close(stored("dispute", id), str(status))


def _accept(id: str, **kwargs: Any) -> Dispute:
    """Stripe's `POST /v1/disputes/{id}/close`: the platform gives up, the dispute is lost."""
    unexpected(kwargs)
    return _close(stored("dispute", id), "lost")


def _list(charge: Any = None, payment_intent: Any = None, limit: Any = None, **kwargs: Any) -> Any:
    unexpected(kwargs)
    field, value = ("charge", charge) if charge is not None else ("payment_intent", payment_intent)
    found = listed("/v1/disputes", "dispute", field, value)
    if value is None:
        found._list = [v for k, v in reversed(store.items()) if k.startswith("dispute:")]
    found._limit = 10 if limit is None else as_int(limit, "limit", 1)
    return found


def register() -> None:
    """The dispute routes, and a charge's `disputed`."""
    Charge.disputed = property(lambda charge: dispute_of(charge.id) is not None)
    set_route("POST", "/_test/charges/{id}/dispute", _open)
    set_route("POST", "/_test/disputes/{id}/close", _decide)
    set_route("POST", "/v1/disputes/{id}/close", _accept)
    set_route("GET", "/v1/disputes/{id}", lambda id, **query: stored("dispute", id))
    set_route("GET", "/v1/disputes", _list)
