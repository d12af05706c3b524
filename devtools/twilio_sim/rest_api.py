"""The Twilio REST subset (API 2010-04-01): faults and authentication for every
resource, the Messages resource, and the routes of Calls and Conferences."""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from devtools.twilio_sim.models import API_VERSION
from devtools.twilio_sim.resources import page, twilio_error
from devtools.twilio_sim.rest_calls import CallsApi, form_value, valid_number
from devtools.twilio_sim.rest_conferences import ConferencesApi

if TYPE_CHECKING:
    from devtools.twilio_sim.parts import SimulatorParts

PREFIX = f"/{API_VERSION}/Accounts/{{account}}"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class RestApi:
    def __init__(self, sim: SimulatorParts) -> None:
        self.sim = sim

    def routes(self) -> list[web.RouteDef]:
        return [
            *CallsApi(self.sim).routes(PREFIX),
            *ConferencesApi(self.sim).routes(PREFIX),
            web.post(f"{PREFIX}/Messages.json", self.create_message),
            web.get(f"{PREFIX}/Messages.json", self.list_messages),
            web.get(f"{PREFIX}/Messages/{{sid}}.json", self.fetch_message),
        ]

    # -- middleware: faults, then authentication --------------------------------
    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(f"/{API_VERSION}/"):
            return await handler(request)
        fault = self.sim.config.take_rest_fault()
        if fault == "error500":
            return twilio_error(500, 20500, "Internal Server Error")
        if fault == "timeout":
            await request.read()  # keep the body: the client may give up meanwhile
            await asyncio.sleep(self.sim.config.rest_fault_hold_seconds)
        denied = self._authenticate(request)
        if denied is not None:
            return denied
        try:
            return await handler(request)
        except web.HTTPNotFound:
            return twilio_error(404, 20404, f"The requested resource {request.path} was not found")
        except web.HTTPMethodNotAllowed:
            return twilio_error(405, 20004, "Method not allowed")

    def _authenticate(self, request: web.Request) -> web.Response | None:
        """Basic auth with the account SID and its primary or secondary auth token
        (both work during a token rotation)."""
        header = request.headers.get("Authorization", "")
        user = password = ""
        if header.startswith("Basic "):
            try:
                decoded = base64.b64decode(header[6:]).decode("utf-8")
                user, _, password = decoded.partition(":")
            except (binascii.Error, UnicodeDecodeError):
                pass
        account = request.match_info.get("account", self.sim.account_sid)
        tokens = (self.sim.auth_token, self.sim.config.secondary_auth_token)
        if user == self.sim.account_sid and password in tokens and account == user:
            return None
        return twilio_error(
            401,
            20003,
            "Authenticate",
            headers={"WWW-Authenticate": 'Basic realm="Twilio API"'},
        )

    # -- messages ---------------------------------------------------------------
    async def create_message(self, request: web.Request) -> web.Response:
        form = await request.post()
        to, from_ = form_value(form, "To"), form_value(form, "From")
        service, body = form_value(form, "MessagingServiceSid"), form_value(form, "Body")
        if not to:
            return twilio_error(400, 21604, "A 'To' phone number is required.")
        if not valid_number(to):
            return twilio_error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if not from_ and not service:
            return twilio_error(400, 21603, "A 'From' phone number is required.")
        if from_ and not valid_number(from_):
            return twilio_error(400, 21212, f"The 'From' number {from_} is not a valid phone number.")
        if not body and not form.getall("MediaUrl", []):
            return twilio_error(400, 21602, "Message body is required.")
        if len(body) > 1600:
            return twilio_error(
                400,
                21617,
                "The concatenated message body exceeds the 1600 character limit.",
            )
        msg = self.sim.messages.send(
            to=to,
            body=body,
            from_=from_ or None,
            messaging_service_sid=service or None,
            status_callback=form_value(form, "StatusCallback") or None,
        )
        return web.json_response(self.sim.renderer.message(msg), status=201)

    async def list_messages(self, request: web.Request) -> web.Response:
        q = request.query
        msgs = [
            m
            for m in reversed(list(self.sim.messages.messages.values()))
            if (not q.get("To") or m.to == q["To"]) and (not q.get("From") or m.from_ == q["From"])
        ]
        return page(request, "messages", msgs, self.sim.renderer.message)

    async def fetch_message(self, request: web.Request) -> web.Response:
        msg = self.sim.messages.messages.get(request.match_info["sid"])
        if msg is None:
            raise web.HTTPNotFound()
        return web.json_response(self.sim.renderer.message(msg))
