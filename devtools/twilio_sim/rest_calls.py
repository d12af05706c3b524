"""REST Calls resource: create (with Twilio's validation and permanent errors), list, fetch, update."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from aiohttp import web
from multidict import MultiDictProxy

from devtools.twilio_sim.models import Call, Source
from devtools.twilio_sim.resources import page, twilio_error

if TYPE_CHECKING:
    from devtools.twilio_sim.parts import SimulatorParts

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
CALL_EVENTS = ("initiated", "ringing", "answered", "completed")
AMD_MODES = ("Enable", "DetectMessageEnd")
#: numbers for which ``POST Calls.json`` answers a permanent error (as ``To`` or ``From``)
BUILTIN_CALL_ERRORS = {
    "+33699999901": 21215,
    "+33699999902": 21211,
    "+33699999903": 21219,
    "+33699999904": 21210,
}


def valid_number(value: str) -> bool:
    return bool(E164.match(value)) or value.startswith(("client:", "sip:"))


def valid_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def form_value(form: MultiDictProxy[Any], key: str) -> str:
    value = form.get(key)
    return value.strip() if isinstance(value, str) else ""


def permanent_error(code: int, to: str, from_: str) -> web.Response:
    """Twilio's answer for a call it will never place, whatever the retries."""
    messages = {
        21210: f"The source phone number provided, {from_}, is not yet verified for your account. "
        "You may only make calls from phone numbers that you've verified or purchased from Twilio.",
        21211: f"The 'To' number {to} is not a valid phone number.",
        21215: f"Account not authorized to call {to}. Perhaps you need to enable some international "
        "permissions: https://www.twilio.com/console/voice/calls/geo-permissions/low-risk",
        21219: f"The number {to} is unverified. Trial accounts may only make calls to verified numbers.",
    }
    return twilio_error(400, code, messages[code])


class CallsApi:
    """``/Calls.json`` and ``/Calls/{Sid}.json``."""

    def __init__(self, sim: SimulatorParts) -> None:
        self.sim = sim

    def routes(self, prefix: str) -> list[web.RouteDef]:
        return [
            web.post(f"{prefix}/Calls.json", self.create_call),
            web.get(f"{prefix}/Calls.json", self.list_calls),
            web.get(f"{prefix}/Calls/{{sid}}.json", self.fetch_call),
            web.post(f"{prefix}/Calls/{{sid}}.json", self.update_call),
        ]

    def _error_code_for(self, to: str, from_: str) -> int | None:
        configured = self.sim.config.call_errors
        for number in (to, from_):
            code = configured.get(number) or BUILTIN_CALL_ERRORS.get(number)
            if code is not None:
                return code
        return None

    async def create_call(self, request: web.Request) -> web.Response:
        form = await request.post()
        response = self._refusal(form)
        if response is not None:
            self.sim.refused_calls.append(
                {
                    "to": form_value(form, "To"),
                    "from": form_value(form, "From"),
                    "status": response.status,
                    "error": json.loads(response.text or "{}"),
                    "at": self.sim.clock.timestamp(),
                }
            )
            return response
        return self._place(form)

    def _refusal(self, form: MultiDictProxy[Any]) -> web.Response | None:
        to, from_ = form_value(form, "To"), form_value(form, "From")
        url, twiml = form_value(form, "Url"), form_value(form, "Twiml")
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
        if url and not valid_url(url):
            return twilio_error(400, 21205, f"Url is not a valid URL: {url}")
        amd = form_value(form, "MachineDetection")
        if amd and amd not in AMD_MODES:
            return twilio_error(400, 21629, "MachineDetection must be Enable or DetectMessageEnd")
        async_amd = form.get("AsyncAmd")
        if async_amd is not None and async_amd not in ("true", "false"):
            # Twilio documents exactly `true` or `false`; Python's str(True) is refused.
            return twilio_error(400, 21263, f"AsyncAmd must be 'true' or 'false', not {async_amd!r}")
        events = [e for raw in form.getall("StatusCallbackEvent", []) for e in str(raw).split()]
        unknown = [e for e in events if e not in CALL_EVENTS]
        if unknown:
            return twilio_error(400, 21626, f"Invalid StatusCallbackEvent: {unknown[0]}")
        try:
            int(form_value(form, "Timeout") or 60)
        except ValueError:
            return twilio_error(400, 21217, "Timeout must be an integer")
        code = self._error_code_for(to, from_)
        return None if code is None else permanent_error(code, to, from_)

    def _place(self, form: MultiDictProxy[Any]) -> web.Response:
        twiml = form_value(form, "Twiml")
        source = Source(url=form_value(form, "Url") or None, method=(form_value(form, "Method") or "POST").upper())
        if twiml:
            source = Source(twiml=twiml)
        events = [e for raw in form.getall("StatusCallbackEvent", []) for e in str(raw).split()]
        call = self.sim.carrier.place_call(
            to=form_value(form, "To"),
            from_=form_value(form, "From"),
            source=source,
            status_callback=form_value(form, "StatusCallback") or None,
            status_callback_method=(form_value(form, "StatusCallbackMethod") or "POST").upper(),
            status_callback_events=tuple(events) or ("completed",),
            machine_detection=form_value(form, "MachineDetection") or None,
            async_amd=form.get("AsyncAmd") == "true",
            async_amd_callback=form_value(form, "AsyncAmdStatusCallback") or None,
            async_amd_callback_method=(form_value(form, "AsyncAmdStatusCallbackMethod") or "POST").upper(),
            timeout=min(600, max(5, int(form_value(form, "Timeout") or 60))),
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
        status, url, twiml = form_value(form, "Status"), form_value(form, "Url"), form_value(form, "Twiml")
        if call.final:
            return twilio_error(400, 21220, "Call is not in-progress. Cannot redirect.")
        if status and status not in ("completed", "canceled"):
            return twilio_error(400, 21218, f"Invalid Status: {status}")
        if url and not valid_url(url):
            return twilio_error(400, 21205, f"Url is not a valid URL: {url}")
        if form_value(form, "StatusCallback"):
            call.status_callback = form_value(form, "StatusCallback")
            call.status_callback_method = (form_value(form, "StatusCallbackMethod") or "POST").upper()
        call.log.add("rest_update", params={k: str(v) for k, v in form.items()})
        if status:
            self.sim.carrier.hang_up(call, status, f"api-{status}")
        elif twiml:
            self.sim.carrier.redirect(call, Source(twiml=twiml))
        elif url:
            method = (form_value(form, "Method") or "POST").upper()
            self.sim.carrier.redirect(call, Source(url=url, method=method))
        return web.json_response(self.sim.renderer.call(call))
