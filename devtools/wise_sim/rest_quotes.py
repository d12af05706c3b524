"""``POST /v3/profiles/{profileId}/quotes``, ``GET`` and ``PATCH .../quotes/{quoteId}``.

A quote needs ``sourceCurrency``, ``targetCurrency`` and exactly one of ``sourceAmount``
or ``targetAmount`` (a number > 0); ``payOut`` defaults to ``BANK_TRANSFER``. It is
priced with the fixed local rates of :mod:`devtools.wise_sim.pricing`, locks its rate
for 30 virtual minutes and can back one transfer.

The recipient (``targetAccount``, a recipient of the quote's target currency) is given at
creation or later by ``PATCH`` with ``Content-Type: application/merge-patch+json`` (any
other type is 415), while the quote is unused; a transfer from a quote priced for one
recipient is refused for another.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from aiohttp import web

from devtools.wise_sim.errors import WiseError, field_error, json_object, path_profile
from devtools.wise_sim.pricing import is_currency_code, is_priced, price

if TYPE_CHECKING:
    from devtools.wise_sim.models import Quote
    from devtools.wise_sim.parts import SimulatorParts

PREFIX = "/v3/profiles/{profileId}/quotes"
PAY_OUTS = ("BANK_TRANSFER", "BALANCE", "SWIFT", "SWIFT_OUR", "INTERAC")
MERGE_PATCH = "application/merge-patch+json"
CURRENCY_MESSAGE = "That wasn't a valid ISO-4217 currency code (like GBP, USD or EUR)."


def parse_amount(path: str, value: Any, errors: list[dict[str, Any]]) -> Decimal | None:
    """A positive amount, or ``None`` with the reason appended to ``errors``."""
    number: Decimal | None = None
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            number = None
    if number is None or not number.is_finite():
        errors.append(field_error("ERROR", f"Unable to parse number [{value}]", path, [path]))
        return None
    if number <= 0:
        errors.append(field_error("error.greaterThanZero", "Please type in a number that's larger than 0.", path))
        return None
    return number


def require_unused(quote: Quote, now: float) -> None:
    """Refuse a quote that expired or already backs a transfer (a transfer, a PATCH)."""
    quote.expire_if_due(now)
    if quote.status == "EXPIRED":
        message = "This quote has expired. Please create a new quote."
        raise WiseError.one(422, "error.quote.expired", message, "quoteUuid", [quote.id])
    if quote.status != "PENDING":
        message = "A transfer was already created from this quote. Please create a new quote."
        raise WiseError.one(422, "error.quote.already.used", message, "quoteUuid", [quote.id])


def check_pay_out(value: Any, errors: list[dict[str, Any]]) -> str:
    """``value`` when it is a payout option; else the reason is appended to ``errors``."""
    if value not in PAY_OUTS:
        errors.append(field_error("NOT_VALID", f"Unknown payOut {value}", "payOut", ["payOut", value]))
    return str(value)


def currency_mismatch(recipient_currency: str, quote_currency: str) -> str:
    return f"The recipient account is in {recipient_currency}, the quote pays out {quote_currency}."


class QuotesApi:
    def __init__(self, sim: SimulatorParts) -> None:
        self.sim = sim

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post(PREFIX, self.create_quote),
            web.get(f"{PREFIX}/{{quoteId}}", self.get_quote),
            web.patch(f"{PREFIX}/{{quoteId}}", self.update_quote),
        ]

    def _target_account(self, value: Any, currency: Any, errors: list[dict[str, Any]]) -> int | None:
        """A recipient of the quote's target currency, or ``None`` with the reason in ``errors``."""
        known = isinstance(value, int) and not isinstance(value, bool)
        recipient = self.sim.ledger.recipients.get(value) if known else None
        if recipient is None:
            errors.append(field_error("NOT_VALID", "Recipient account not found.", "targetAccount", ["targetAccount"]))
            return None
        if is_currency_code(currency) and recipient.currency != currency:
            message = currency_mismatch(recipient.currency, currency)
            errors.append(field_error("NOT_VALID", message, "targetAccount", ["targetAccount", recipient.id]))
            return None
        return recipient.id

    async def create_quote(self, request: web.Request) -> web.Response:
        path_profile(request, self.sim.ledger.profile_id)
        body = await json_object(request)
        errors: list[dict[str, Any]] = []
        source, target = body.get("sourceCurrency"), body.get("targetCurrency")
        for path, currency in (("sourceCurrency", source), ("targetCurrency", target)):
            if not is_currency_code(currency):
                errors.append(field_error("CurrencyCode", CURRENCY_MESSAGE, path))
        source_amount = target_amount = None
        given_source, given_target = body.get("sourceAmount"), body.get("targetAmount")
        if given_source is not None and given_target is not None:
            message = "Please only specify a source or target amount."
            errors.append(field_error("error.quote.amount.onlySingle", message, "sourceAmount"))
        elif given_source is None and given_target is None:
            errors.append(field_error("NotNull", "Please specify a source or target amount.", "sourceAmount"))
        elif given_source is not None:
            source_amount = parse_amount("sourceAmount", given_source, errors)
        else:
            target_amount = parse_amount("targetAmount", given_target, errors)
        pay_out = check_pay_out(body.get("payOut", "BANK_TRANSFER"), errors)
        account = None
        if body.get("targetAccount") is not None:
            account = self._target_account(body["targetAccount"], target, errors)
        if errors:
            raise WiseError.validation(400, errors)
        assert isinstance(source, str) and isinstance(target, str)
        if not (is_priced(source) and is_priced(target)):
            route = f"{source}-{target}"
            raise WiseError.one(422, "error.route.not.supported", "This route is not supported", arguments=[route])
        priced = price(source, target, source_amount, target_amount)
        provided = "SOURCE" if source_amount is not None else "TARGET"
        now = self.sim.clock.now()
        quote = self.sim.ledger.add_quote(source, target, priced, pay_out, provided, now, account)
        return web.json_response(quote.to_json(self.sim.clock))

    def _quote(self, request: web.Request) -> Quote:
        path_profile(request, self.sim.ledger.profile_id)
        quote = self.sim.ledger.quotes.get(request.match_info["quoteId"])
        if quote is None:
            raise WiseError.one(404, "quote.not-found", "Quote not found", arguments=[request.match_info["quoteId"]])
        return quote

    async def get_quote(self, request: web.Request) -> web.Response:
        return web.json_response(self._quote(request).to_json(self.sim.clock))

    async def update_quote(self, request: web.Request) -> web.Response:
        """Set the recipient (and optionally ``payOut``) of an unused, unexpired quote."""
        if request.content_type != MERGE_PATCH:
            message = f"Content type '{request.content_type}' not supported; use {MERGE_PATCH}"
            raise WiseError.system(415, "Unsupported Media Type", message, request.path)
        quote = self._quote(request)
        body = await json_object(request)
        require_unused(quote, self.sim.clock.now())
        errors: list[dict[str, Any]] = []
        account = self._target_account(body.get("targetAccount"), quote.target_currency, errors)
        pay_out = check_pay_out(body.get("payOut", quote.pay_out), errors)
        if errors or account is None:
            raise WiseError.validation(400, errors)
        quote.target_account, quote.pay_out = account, pay_out
        return web.json_response(quote.to_json(self.sim.clock))
