"""The Twilio REST subset (API 2010-04-01): Calls, Conferences, Participants, Messages."""

from __future__ import annotations

import asyncio
import base64
import binascii
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web
from multidict import MultiDictProxy

from devtools.twilio_sim.models import (
    API_VERSION,
    Call,
    Conference,
    Participant,
    Source,
)
from devtools.twilio_sim.resources import page, twilio_error

if TYPE_CHECKING:
    from devtools.twilio_sim.simulator import Simulator

PREFIX = f"/{API_VERSION}/Accounts/{{account}}"
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
CALL_EVENTS = ("initiated", "ringing", "answered", "completed")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def valid_number(value: str) -> bool:
    return bool(E164.match(value)) or value.startswith(("client:", "sip:"))


def _valid_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


class RestApi:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    def routes(self) -> list[web.RouteDef]:
        c = f"{PREFIX}/Conferences/{{conference}}"
        return [
            web.post(f"{PREFIX}/Calls.json", self.create_call),
            web.get(f"{PREFIX}/Calls.json", self.list_calls),
            web.get(f"{PREFIX}/Calls/{{sid}}.json", self.fetch_call),
            web.post(f"{PREFIX}/Calls/{{sid}}.json", self.update_call),
            web.get(f"{PREFIX}/Conferences.json", self.list_conferences),
            web.get(f"{c}.json", self.fetch_conference),
            web.post(f"{c}.json", self.update_conference),
            web.get(f"{c}/Participants.json", self.list_participants),
            web.get(f"{c}/Participants/{{call}}.json", self.fetch_participant),
            web.post(f"{c}/Participants/{{call}}.json", self.update_participant),
            web.delete(f"{c}/Participants/{{call}}.json", self.kick_participant),
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
        header = request.headers.get("Authorization", "")
        user = password = ""
        if header.startswith("Basic "):
            try:
                decoded = base64.b64decode(header[6:]).decode("utf-8")
                user, _, password = decoded.partition(":")
            except (binascii.Error, UnicodeDecodeError):
                pass
        account = request.match_info.get("account", self.sim.account_sid)
        if user == self.sim.account_sid and password == self.sim.auth_token and account == user:
            return None
        return twilio_error(
            401,
            20003,
            "Authenticate",
            headers={"WWW-Authenticate": 'Basic realm="Twilio API"'},
        )

    # -- calls ----------------------------------------------------------------
    async def create_call(self, request: web.Request) -> web.Response:
        form = await request.post()
        to, from_ = _s(form, "To"), _s(form, "From")
        url, twiml = _s(form, "Url"), _s(form, "Twiml")
        if not to:
            return twilio_error(400, 21201, "No 'To' number is specified")
        if not valid_number(to):
            return twilio_error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if not from_:
            return twilio_error(400, 21213, "No 'From' number is specified")
        if not valid_number(from_):
            return twilio_error(400, 21212, f"The 'From' number {from_} is not a valid phone number.")
        if not url and not twiml:
            return twilio_error(400, 21205, "Url parameter is required.")
        if url and not _valid_url(url):
            return twilio_error(400, 21205, f"Url is not a valid URL: {url}")
        amd = _s(form, "MachineDetection") or None
        if amd not in (None, "Enable", "DetectMessageEnd"):
            return twilio_error(400, 21629, "MachineDetection must be Enable or DetectMessageEnd")
        events = [e for raw in form.getall("StatusCallbackEvent", []) for e in str(raw).split()]
        unknown = [e for e in events if e not in CALL_EVENTS]
        if unknown:
            return twilio_error(400, 21626, f"Invalid StatusCallbackEvent: {unknown[0]}")
        try:
            timeout = min(600, max(5, int(_s(form, "Timeout") or 60)))
        except ValueError:
            return twilio_error(400, 21217, "Timeout must be an integer")
        source = Source(url=url or None, method=(_s(form, "Method") or "POST").upper())
        if twiml:
            source = Source(twiml=twiml)
        call = self.sim.carrier.place_call(
            to=to,
            from_=from_,
            source=source,
            status_callback=_s(form, "StatusCallback") or None,
            status_callback_method=(_s(form, "StatusCallbackMethod") or "POST").upper(),
            status_callback_events=tuple(events) or ("completed",),
            machine_detection=amd,
            async_amd=_s(form, "AsyncAmd").lower() == "true",
            async_amd_callback=_s(form, "AsyncAmdStatusCallback") or None,
            async_amd_callback_method=(_s(form, "AsyncAmdStatusCallbackMethod") or "POST").upper(),
            timeout=timeout,
        )
        return web.json_response(self.sim.renderer.call(call), status=201)

    def _call(self, request: web.Request) -> Call:
        call = self.sim.carrier.calls.get(request.match_info["sid"])
        if call is None:
            raise web.HTTPNotFound()
        return call

    async def fetch_call(self, request: web.Request) -> web.Response:
        return web.json_response(self.sim.renderer.call(self._call(request)))

    async def list_calls(self, request: web.Request) -> web.Response:
        q = request.query
        calls = [
            c
            for c in reversed(list(self.sim.carrier.calls.values()))
            if (not q.get("To") or c.to == q["To"])
            and (not q.get("From") or c.from_ == q["From"])
            and (not q.get("Status") or c.status == q["Status"])
        ]
        return page(request, "calls", calls, self.sim.renderer.call)

    async def update_call(self, request: web.Request) -> web.Response:
        call = self._call(request)
        form = await request.post()
        status, url, twiml = _s(form, "Status"), _s(form, "Url"), _s(form, "Twiml")
        if call.final:
            return twilio_error(400, 21220, "Call is not in-progress. Cannot redirect.")
        if status and status not in ("completed", "canceled"):
            return twilio_error(400, 21218, f"Invalid Status: {status}")
        if url and not _valid_url(url):
            return twilio_error(400, 21205, f"Url is not a valid URL: {url}")
        if _s(form, "StatusCallback"):
            call.status_callback = _s(form, "StatusCallback")
            call.status_callback_method = (_s(form, "StatusCallbackMethod") or "POST").upper()
        call.log.add("rest_update", params={k: str(v) for k, v in form.items()})
        if status:
            self.sim.carrier.hang_up(call, status, f"api-{status}")
        elif twiml:
            self.sim.carrier.redirect(call, Source(twiml=twiml))
        elif url:
            method = (_s(form, "Method") or "POST").upper()
            self.sim.carrier.redirect(call, Source(url=url, method=method))
        return web.json_response(self.sim.renderer.call(call))

    # -- conferences ------------------------------------------------------------
    def _conference(self, request: web.Request) -> Conference:
        conf = self.sim.carrier.bridge.conferences.get(request.match_info["conference"])
        if conf is None:
            raise web.HTTPNotFound()
        return conf

    async def list_conferences(self, request: web.Request) -> web.Response:
        q = request.query
        confs = [
            c
            for c in reversed(list(self.sim.carrier.bridge.conferences.values()))
            if (not q.get("FriendlyName") or c.friendly_name == q["FriendlyName"])
            and (not q.get("Status") or c.status == q["Status"])
        ]
        return page(request, "conferences", confs, self.sim.renderer.conference)

    async def fetch_conference(self, request: web.Request) -> web.Response:
        return web.json_response(self.sim.renderer.conference(self._conference(request)))

    async def update_conference(self, request: web.Request) -> web.Response:
        conf = self._conference(request)
        form = await request.post()
        status = _s(form, "Status")
        if status and status != "completed":
            return twilio_error(400, 21218, f"Invalid Status: {status}")
        conf.log.add("rest_update", params={k: str(v) for k, v in form.items()})
        if status == "completed":
            self.sim.carrier.bridge.end(conf, "conference-ended-via-api")
        return web.json_response(self.sim.renderer.conference(conf))

    def _participant(self, request: web.Request) -> tuple[Conference, Participant]:
        conf = self._conference(request)
        key = request.match_info["call"]
        for part in conf.participants.values():
            if key in (part.call.sid, part.label):
                return conf, part
        raise web.HTTPNotFound()

    async def list_participants(self, request: web.Request) -> web.Response:
        conf = self._conference(request)
        q = request.query
        parts = [
            p
            for p in conf.participants.values()
            if (not q.get("Muted") or str(p.muted).lower() == q["Muted"].lower())
            and (not q.get("Hold") or str(p.hold).lower() == q["Hold"].lower())
        ]
        return page(request, "participants", parts, self.sim.renderer.participant)

    async def fetch_participant(self, request: web.Request) -> web.Response:
        return web.json_response(self.sim.renderer.participant(self._participant(request)[1]))

    async def update_participant(self, request: web.Request) -> web.Response:
        conf, part = self._participant(request)
        form = await request.post()
        muted, hold = _bool_or_none(_s(form, "Muted")), _bool_or_none(_s(form, "Hold"))
        self.sim.carrier.bridge.update(conf, part, muted, hold)
        return web.json_response(self.sim.renderer.participant(part))

    async def kick_participant(self, request: web.Request) -> web.Response:
        _, part = self._participant(request)
        self.sim.carrier.bridge.leave(part.call, "participant_kicked", kicked=True)
        return web.Response(status=204)

    # -- messages ---------------------------------------------------------------
    async def create_message(self, request: web.Request) -> web.Response:
        form = await request.post()
        to, from_ = _s(form, "To"), _s(form, "From")
        service, body = _s(form, "MessagingServiceSid"), _s(form, "Body")
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
            status_callback=_s(form, "StatusCallback") or None,
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


def _s(form: MultiDictProxy[Any], key: str) -> str:
    value = form.get(key)
    return value.strip() if isinstance(value, str) else ""


def _bool_or_none(value: str) -> bool | None:
    return None if not value else value.lower() == "true"
