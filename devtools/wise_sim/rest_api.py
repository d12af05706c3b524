"""The Wise Platform API subset: faults and authentication for every call, profiles,
balances, and the routes of quotes, recipients and transfers."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from devtools.wise_sim.errors import (
    WiseError,
    invalid_token,
    not_found,
    path_profile,
    server_error,
    unauthenticated,
)
from devtools.wise_sim.rest_quotes import QuotesApi
from devtools.wise_sim.rest_recipients import RecipientsApi
from devtools.wise_sim.rest_transfers import TransfersApi

if TYPE_CHECKING:
    from devtools.wise_sim.parts import SimulatorParts

CONTROL_PREFIX = "/_control"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class RestApi:
    def __init__(self, sim: SimulatorParts) -> None:
        self.sim = sim

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/v1/profiles", self.list_profiles),
            web.get("/v2/profiles", self.list_profiles),
            web.get("/v1/profiles/{profileId}", self.get_profile),
            web.get("/v4/profiles/{profileId}/balances", self.list_balances),
            *QuotesApi(self.sim).routes(),
            *RecipientsApi(self.sim).routes(),
            *TransfersApi(self.sim).routes(),
        ]

    # -- middleware: faults, authentication, Wise's error answers ------------------------------
    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path == CONTROL_PREFIX or request.path.startswith(f"{CONTROL_PREFIX}/"):
            return await handler(request)
        faults = self.sim.faults
        if faults.take_5xx():
            return server_error(request.path).response()
        hold = faults.take_timeout()
        response: web.StreamResponse
        try:
            self._authenticate(request)
            response = await handler(request)
        except WiseError as exc:
            response = exc.response()
        except web.HTTPNotFound:
            response = not_found(request.path).response()
        except web.HTTPMethodNotAllowed:
            response = WiseError.system(
                405, "Method Not Allowed", "Request method not supported", request.path
            ).response()
        if hold:
            await asyncio.sleep(hold)  # handled already: only the answer is late
        return response

    def _authenticate(self, request: web.Request) -> None:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise unauthenticated()
        if token.strip() != self.sim.api_token:
            raise invalid_token(token.strip())

    # -- profiles and balances -----------------------------------------------------------
    async def list_profiles(self, request: web.Request) -> web.Response:
        return web.json_response([self.sim.ledger.profile_json()])

    async def get_profile(self, request: web.Request) -> web.Response:
        path_profile(request, self.sim.ledger.profile_id)
        return web.json_response(self.sim.ledger.profile_json())

    async def list_balances(self, request: web.Request) -> web.Response:
        path_profile(request, self.sim.ledger.profile_id)
        return web.json_response(self.sim.ledger.balances_json())
