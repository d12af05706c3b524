"""REST Conferences and Participants resources."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from devtools.twilio_sim.models import Conference, Participant
from devtools.twilio_sim.resources import page, twilio_error
from devtools.twilio_sim.rest_calls import form_value

if TYPE_CHECKING:
    from devtools.twilio_sim.parts import SimulatorParts


def _bool_or_none(value: str) -> bool | None:
    return None if not value else value.lower() == "true"


class ConferencesApi:
    """``/Conferences.json``, ``/Conferences/{Sid}.json`` and their participants."""

    def __init__(self, sim: SimulatorParts) -> None:
        self.sim = sim

    def routes(self, prefix: str) -> list[web.RouteDef]:
        c = f"{prefix}/Conferences/{{conference}}"
        return [
            web.get(f"{prefix}/Conferences.json", self.list_conferences),
            web.get(f"{c}.json", self.fetch_conference),
            web.post(f"{c}.json", self.update_conference),
            web.get(f"{c}/Participants.json", self.list_participants),
            web.get(f"{c}/Participants/{{call}}.json", self.fetch_participant),
            web.post(f"{c}/Participants/{{call}}.json", self.update_participant),
            web.delete(f"{c}/Participants/{{call}}.json", self.kick_participant),
        ]

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
        status = form_value(form, "Status")
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
        muted, hold = _bool_or_none(form_value(form, "Muted")), _bool_or_none(form_value(form, "Hold"))
        self.sim.carrier.bridge.update(conf, part, muted, hold)
        return web.json_response(self.sim.renderer.participant(part))

    async def kick_participant(self, request: web.Request) -> web.Response:
        _, part = self._participant(request)
        self.sim.carrier.bridge.leave(part.call, "participant_kicked", kicked=True)
        return web.Response(status=204)
