"""Transfers: create, read, list, cancel, and fund from the balance.

``POST /v1/transfers {targetAccount, quoteUuid, customerTransactionId, details: {reference}}``
is idempotent on ``customerTransactionId`` (a UUID): a request repeating one already
used creates nothing and answers the transfer it created first, in its current state,
whatever the rest of the body says, as Wise treats "subsequent retry messages as repeat
messages". This check comes before any other, so a retry is answered even once its
quote is used or expired. A new transfer needs a recipient whose currency is the
quote's target currency and an unexpired, unused quote ("one transfer per quote"), priced
for that recipient when the quote names one.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from aiohttp import web

from devtools.wise_sim.errors import WiseError, field_error, json_object, path_profile
from devtools.wise_sim.models import Transfer
from devtools.wise_sim.rest_quotes import currency_mismatch, require_unused

if TYPE_CHECKING:
    from devtools.wise_sim.parts import SimulatorParts

UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
#: longest ``details.reference`` per target currency (others: DEFAULT_REFERENCE_LENGTH)
REFERENCE_LENGTHS = {"GBP": 18, "USD": 10}
DEFAULT_REFERENCE_LENGTH = 35
FUNDING_TYPES_ELSEWHERE = ("TRUSTED_PRE_FUND_BULK", "TRUSTED_PRE_FUND_TX", "BANK_TRANSFER")


def _not_valid(path: str, message: str, value: Any = None) -> dict[str, Any]:
    return field_error("NOT_VALID", message, path, [path] if value is None else [path, value])


class TransfersApi:
    def __init__(self, sim: SimulatorParts) -> None:
        self.sim = sim

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/v1/transfers", self.create_transfer),
            web.get("/v1/transfers", self.list_transfers),
            web.get("/v1/transfers/{transferId}", self.get_transfer),
            web.put("/v1/transfers/{transferId}/cancel", self.cancel_transfer),
            web.post("/v3/profiles/{profileId}/transfers/{transferId}/payments", self.fund_transfer),
        ]

    def _transfer(self, request: web.Request) -> Transfer:
        raw = request.match_info["transferId"]
        transfer = self.sim.ledger.transfers.get(int(raw)) if raw.isdigit() else None
        if transfer is None:
            raise WiseError.one(404, "transfer.not-found", "Transfer not found", arguments=[raw])
        return transfer

    def _json(self, transfer: Transfer) -> web.Response:
        return web.json_response(transfer.to_json(self.sim.clock))

    # -- create ----------------------------------------------------------------------------
    async def create_transfer(self, request: web.Request) -> web.Response:
        body = await json_object(request)
        ledger, clock = self.sim.ledger, self.sim.clock
        ctid = body.get("customerTransactionId")
        if ctid is None:
            raise WiseError.one(400, "NotNull", "must not be null", "customerTransactionId")
        if not isinstance(ctid, str) or not UUID.match(ctid):
            message = "customerTransactionId must be a UUID"
            raise WiseError.validation(400, [_not_valid("customerTransactionId", message, ctid)])
        existing = ledger.by_customer_transaction_id.get(ctid.lower())
        if existing is not None:
            return self._json(existing)  # a repeat message: no second transfer
        errors: list[dict[str, Any]] = []
        account = body.get("targetAccount")
        recipient = (
            ledger.recipients.get(account) if isinstance(account, int) and not isinstance(account, bool) else None
        )
        if recipient is None:
            errors.append(_not_valid("targetAccount", "Recipient account not found.", account))
        quote_id = body.get("quoteUuid")
        quote = ledger.quotes.get(quote_id) if isinstance(quote_id, str) else None
        if quote is None:
            errors.append(_not_valid("quoteUuid", "Quote not found.", quote_id))
        details = body.get("details") if isinstance(body.get("details"), dict) else {}
        assert isinstance(details, dict)
        reference = details.get("reference", "")
        if not isinstance(reference, str):
            errors.append(_not_valid("details.reference", "Reference must be text.", reference))
            reference = ""
        if errors:
            raise WiseError.validation(422, errors)
        assert recipient is not None and quote is not None
        require_unused(quote, clock.now())
        if recipient.currency != quote.target_currency:
            message = currency_mismatch(recipient.currency, quote.target_currency)
            raise WiseError.validation(422, [_not_valid("targetAccount", message, recipient.id)])
        if quote.target_account is not None and quote.target_account != recipient.id:
            message = f"The quote was priced for recipient {quote.target_account}. Please create a new quote."
            raise WiseError.validation(422, [_not_valid("targetAccount", message, recipient.id)])
        limit = REFERENCE_LENGTHS.get(quote.target_currency, DEFAULT_REFERENCE_LENGTH)
        if len(reference) > limit:
            message = f"Reference can be at most {limit} characters for {quote.target_currency} transfers."
            raise WiseError.validation(422, [_not_valid("details.reference", message, reference)])
        transfer = ledger.add_transfer(recipient, quote, ctid.lower(), reference, clock.now())
        self.sim.lifecycle.created(transfer)
        return self._json(transfer)

    # -- read ------------------------------------------------------------------------------
    async def get_transfer(self, request: web.Request) -> web.Response:
        return self._json(self._transfer(request))

    async def list_transfers(self, request: web.Request) -> web.Response:
        query = request.query
        transfers = sorted(self.sim.ledger.transfers.values(), key=lambda t: t.id, reverse=True)
        if query.get("profile") and query["profile"] != str(self.sim.ledger.profile_id):
            transfers = []
        if query.get("status"):
            wanted = set(query["status"].split(","))
            transfers = [t for t in transfers if t.status in wanted]
        offset = int(query["offset"]) if query.get("offset", "").isdigit() else 0
        limit = int(query["limit"]) if query.get("limit", "").isdigit() else 100
        page = transfers[offset : offset + limit]
        return web.json_response([t.to_json(self.sim.clock) for t in page])

    # -- cancel and fund --------------------------------------------------------------------------
    async def cancel_transfer(self, request: web.Request) -> web.Response:
        transfer = self._transfer(request)
        self.sim.lifecycle.cancel(transfer)
        return self._json(transfer)

    async def fund_transfer(self, request: web.Request) -> web.Response:
        path_profile(request, self.sim.ledger.profile_id)
        transfer = self._transfer(request)
        body = await json_object(request)
        kind = body.get("type")
        if kind in FUNDING_TYPES_ELSEWHERE:
            code = f"{str(kind).lower().replace('_', '')}.payment-option-unavailable"
            raise WiseError(422, {"type": kind, "status": "REJECTED", "errorCode": code, "errorMessage": None})
        if kind != "BALANCE":
            raise WiseError.validation(400, [_not_valid("type", "Funding type must be BALANCE.", kind)])
        return web.json_response(self.sim.lifecycle.fund(transfer), status=201)
