"""PayPal's REST surface: OAuth2, Payouts v1, and the middleware every call goes
through (Bearer check, faults, PayPal-shaped 404/405, a ``PayPal-Debug-Id`` on every answer).

Order of the checks on ``POST /v1/payments/payouts``, as PayPal: a known
``PayPal-Request-Id`` returns the first answer again; then the JSON body must
parse (MALFORMED_REQUEST), validate (VALIDATION_ERROR), have distinct
``sender_item_id``s (DUPLICATE_ITEM) and a ``sender_batch_id`` not used in the
last 30 days (USER_BUSINESS_ERROR, with a link to the batch that used it).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from devtools.paypal_sim.errors import (
    Issue,
    authentication_failure,
    debug_id,
    internal_server_error,
    invalid_resource_id,
    malformed_request,
    paypal_error,
    validation_error,
)
from devtools.paypal_sim.models import link
from devtools.paypal_sim.signing import CERT_PATH
from devtools.paypal_sim.validation import check_payout, duplicate_sender_item_ids

if TYPE_CHECKING:
    from devtools.paypal_sim.parts import SimulatorParts

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
#: paths answered without a Bearer token
OPEN_PATHS = ("/v1/oauth2/token", CERT_PATH)
DUPLICATE_BATCH_ISSUE = "Batch with given sender_batch_id already exists"
MAX_PAGE_SIZE = 1000


class RestApi:
    def __init__(self, sim: SimulatorParts) -> None:
        self.sim = sim

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/v1/oauth2/token", self.sim.tokens.token_endpoint),
            web.post("/v1/payments/payouts", self.create_payout),
            web.get("/v1/payments/payouts/{payout_batch_id}", self.show_batch),
            web.get("/v1/payments/payouts-item/{payout_item_id}", self.show_item),
        ]

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith("/v1/"):
            return await handler(request)
        self.sim.learn_base_url(request)
        if not request.path.startswith(OPEN_PATHS) and not self.sim.tokens.bearer_valid(
            request.headers.get("Authorization", "")
        ):
            return authentication_failure()
        fault, seconds = (None, 0.0)
        if request.path.startswith("/v1/payments/"):
            fault, seconds = self.sim.faults.take_rest_fault()
        if fault == "5xx":
            return internal_server_error()
        try:
            response = await handler(request)
        except web.HTTPNotFound:
            response = paypal_error(404, "NOT_FOUND", "The specified resource does not exist.")
        except web.HTTPMethodNotAllowed:
            response = paypal_error(
                405, "METHOD_NOT_SUPPORTED", "The server does not implement the requested HTTP method."
            )
        if fault == "timeout":
            await self.sim.holds.hold(seconds)
        response.headers.setdefault("PayPal-Debug-Id", debug_id())  # PayPal sends one on every answer
        return response

    # -- payouts ------------------------------------------------------------------
    async def create_payout(self, request: web.Request) -> web.Response:
        sim = self.sim
        request_id = request.headers.get("PayPal-Request-Id")
        if request_id is not None:
            if not 1 <= len(request_id) <= 1000:
                return validation_error([Issue("PayPal-Request-Id", "size must be between 1 and 1000", "header")])
            kept = sim.ledger.response_for(request_id)
            if kept is not None:
                return web.json_response(kept[1], status=kept[0])
        try:
            body = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            return malformed_request()
        parsed, issues = check_payout(body)
        if parsed is None:
            return validation_error(issues)
        if duplicate_sender_item_ids(parsed):
            return paypal_error(
                400,
                "DUPLICATE_ITEM",
                "This transaction is duplicated in this batch. Please check the Ref_ID / Sender_Item_ID.",
            )
        base = sim.base_url()
        existing = sim.ledger.batch_using(parsed.sender_batch_id)
        if existing is not None:
            href = f"{base}/v1/payments/payouts/{existing.payout_batch_id}"
            return paypal_error(
                400,
                "USER_BUSINESS_ERROR",
                "User business error.",
                [
                    {
                        "field": "SENDER_BATCH_ID",
                        "location": "body",
                        "issue": DUPLICATE_BATCH_ISSUE,
                        "link": [link(href, "self")],
                    }
                ],
            )
        batch = sim.ledger.create(parsed, sim.faults.take_item_outcome(), request_id)
        sim.lifecycle.plan(batch)
        answer = sim.renderer.created(batch, base)
        if request_id is not None:
            sim.ledger.remember_response(request_id, 201, answer)
        return web.json_response(answer, status=201)

    async def show_batch(self, request: web.Request) -> web.Response:
        batch = self.sim.ledger.batches.get(request.match_info["payout_batch_id"])
        if batch is None:
            return invalid_resource_id()
        issues: list[Issue] = []
        page = _int_query(request, "page", 1, 1, None, issues)
        page_size = _int_query(request, "page_size", MAX_PAGE_SIZE, 1, MAX_PAGE_SIZE, issues)
        if issues:
            return validation_error(issues)
        return web.json_response(self.sim.renderer.batch(batch, self.sim.base_url(), page, page_size))

    async def show_item(self, request: web.Request) -> web.Response:
        item = self.sim.ledger.items.get(request.match_info["payout_item_id"])
        if item is None:
            return invalid_resource_id()
        return web.json_response(self.sim.renderer.item(item, self.sim.base_url()))


def _int_query(request: web.Request, name: str, default: int, low: int, high: int | None, issues: list[Issue]) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    if raw.isdigit() and int(raw) >= low and (high is None or int(raw) <= high):
        return int(raw)
    bound = f"between {low} and {high}" if high is not None else f"at least {low}"
    issues.append(Issue(name, f"must be an integer {bound}", "query"))
    return default
