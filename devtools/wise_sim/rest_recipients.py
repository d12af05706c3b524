"""``POST /v1/accounts`` (create a recipient) and ``GET /v1/accounts/{accountId}``.

The body is Wise's: ``{currency, type, profile, accountHolderName, ownedByCustomer?,
details: {legalType, ...}}``; the checks are those of :mod:`devtools.wise_sim.bank_details`
and every failure comes back at once, ``422`` with ``NOT_VALID`` errors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from devtools.wise_sim.bank_details import normalise_iban, recipient_country, recipient_errors
from devtools.wise_sim.errors import WiseError, field_error, forbidden, json_object, not_found

if TYPE_CHECKING:
    from devtools.wise_sim.parts import SimulatorParts


def normalised_details(kind: str, details: dict[str, Any]) -> dict[str, Any]:
    """The details as Wise stores them: IBAN and BIC in capitals without spaces, sort code digits only."""
    stored = dict(details)
    if kind == "iban":
        iban = stored.pop("iban", None) or stored.get("IBAN")
        stored["IBAN"] = normalise_iban(str(iban))
        bic = stored.pop("bic", None) or stored.get("BIC")
        stored["BIC"] = str(bic).strip().upper() if bic else None
    if kind == "sort_code":
        stored["sortCode"] = str(stored["sortCode"]).replace("-", "").replace(" ", "")
    return stored


class RecipientsApi:
    def __init__(self, sim: SimulatorParts) -> None:
        self.sim = sim

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/v1/accounts", self.create_recipient),
            web.get("/v1/accounts/{accountId}", self.get_recipient),
        ]

    async def create_recipient(self, request: web.Request) -> web.Response:
        body = await json_object(request)
        ledger = self.sim.ledger
        profile = body.get("profile")
        if profile is None:
            raise WiseError.one(422, "NOT_VALID", "Please specify a profile.", "profile", ["profile"])
        if str(profile) != str(ledger.profile_id):
            raise forbidden(request.path)
        errors = recipient_errors(body)
        if errors:
            raise WiseError.validation(422, errors)
        kind = str(body["type"])
        details = body["details"]
        if "ownedByCustomer" in body and not isinstance(body["ownedByCustomer"], bool):
            message = "ownedByCustomer must be true or false"
            raise WiseError.validation(422, [field_error("NOT_VALID", message, "ownedByCustomer", ["ownedByCustomer"])])
        recipient = ledger.add_recipient(body, recipient_country(kind, details), normalised_details(kind, details))
        return web.json_response(recipient.to_json())

    async def get_recipient(self, request: web.Request) -> web.Response:
        account_id = request.match_info["accountId"]
        recipient = self.sim.ledger.recipients.get(int(account_id)) if account_id.isdigit() else None
        if recipient is None:
            raise not_found(request.path)
        return web.json_response(recipient.to_json())
