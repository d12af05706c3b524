"""The simulator's own JSON API under ``/_sim/``: inspection, faults, reset."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from devtools.sim_kit.control import control_error
from devtools.twilio_sim.faults import ConfigError, SimConfig
from devtools.twilio_sim.models import Call, Conference, Message
from devtools.twilio_sim.personas import PersonaBook, PersonaError

if TYPE_CHECKING:
    from devtools.twilio_sim.parts import SimulatorParts


class ControlApi:
    def __init__(self, sim: SimulatorParts) -> None:
        self.sim = sim

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/_sim/health", self.health),
            web.get("/_sim/calls", self.calls),
            web.get("/_sim/calls/{sid}", self.call),
            web.get("/_sim/conferences", self.conferences),
            web.get("/_sim/conferences/{sid}", self.conference),
            web.get("/_sim/messages", self.messages),
            web.get("/_sim/callbacks", self.callbacks),
            web.get("/_sim/notices", self.notices),
            web.get("/_sim/refused_calls", self.refused_calls),
            web.get("/_sim/personas", self.personas),
            web.get("/_sim/config", self.get_config),
            web.post("/_sim/config", self.set_config),
            web.post("/_sim/reset", self.reset),
        ]

    async def health(self, request: web.Request) -> web.Response:
        clock = self.sim.clock
        return web.json_response(
            {
                "ok": True,
                "account_sid": self.sim.account_sid,
                "speed": clock.speed,
                "virtual_seconds": round(clock.now(), 3),
                "virtual_time": clock.timestamp(),
            }
        )

    # -- inspection -------------------------------------------------------------
    def _call_summary(self, call: Call) -> dict[str, Any]:
        return {
            **self.sim.renderer.call(call),
            "persona": call.persona.to_json(),
            "conference_sid": call.conference_sid,
            "amd_duration_ms": call.amd_duration_ms,
        }

    async def calls(self, request: web.Request) -> web.Response:
        to = request.query.get("to")
        calls = [c for c in self.sim.carrier.calls.values() if not to or c.to == to]
        return web.json_response([self._call_summary(c) for c in calls])

    async def call(self, request: web.Request) -> web.Response:
        call = self.sim.carrier.calls.get(request.match_info["sid"])
        if call is None:
            return control_error(404, "no such call")
        events = call.log.entries
        body = self._call_summary(call)
        body.update(
            events=events,
            said=[
                {
                    "text": e["text"],
                    "language": e["language"],
                    "voice": e["voice"],
                    "origin": e["origin"],
                }
                for e in events
                if e["type"] == "say"
            ],
            digits_sent=[e["digits"] for e in events if e["type"] == "digits"],
            twiml_fetches=call.log.of_type("twiml_fetch"),
            callbacks=call.log.of_type("callback"),
            statuses=[e["status"] for e in events if e["type"] == "status"],
        )
        return web.json_response(body)

    def _conference_json(self, conf: Conference, full: bool) -> dict[str, Any]:
        body = {
            **self.sim.renderer.conference(conf),
            "participants": [self.sim.renderer.participant(p) for p in conf.participants.values()],
            "all_call_sids": list(conf.all_call_sids),
            "status_callback": conf.status_callback,
            "status_callback_events": list(conf.status_callback_events),
        }
        if full:
            body["events"] = conf.log.entries
        return body

    async def conferences(self, request: web.Request) -> web.Response:
        name = request.query.get("friendly_name")
        confs = [c for c in self.sim.carrier.bridge.conferences.values() if not name or c.friendly_name == name]
        return web.json_response([self._conference_json(c, full=True) for c in confs])

    async def conference(self, request: web.Request) -> web.Response:
        conf = self.sim.carrier.bridge.conferences.get(request.match_info["sid"])
        if conf is None:
            return control_error(404, "no such conference")
        return web.json_response(self._conference_json(conf, full=True))

    def _message_json(self, msg: Message) -> dict[str, Any]:
        return {**self.sim.renderer.message(msg), "events": msg.log.entries}

    async def messages(self, request: web.Request) -> web.Response:
        return web.json_response([self._message_json(m) for m in self.sim.messages.messages.values()])

    async def callbacks(self, request: web.Request) -> web.Response:
        return web.json_response(self.sim.webhooks.history)

    async def notices(self, request: web.Request) -> web.Response:
        return web.json_response(self.sim.notices.items)

    async def refused_calls(self, request: web.Request) -> web.Response:
        return web.json_response(self.sim.refused_calls)

    async def personas(self, request: web.Request) -> web.Response:
        return web.json_response(self.sim.personas.to_json())

    # -- configuration ----------------------------------------------------------
    def _config_json(self) -> dict[str, Any]:
        return {**self.sim.config.to_json(), "speed": self.sim.clock.speed}

    async def get_config(self, request: web.Request) -> web.Response:
        return web.json_response({**self._config_json(), "personas": self.sim.personas.to_json()})

    async def set_config(self, request: web.Request) -> web.Response:
        try:
            changes = await request.json()
        except json.JSONDecodeError:
            return control_error(400, "body must be a JSON object")
        if not isinstance(changes, dict):
            return control_error(400, "body must be a JSON object")
        speed = changes.pop("speed", None)
        personas = changes.pop("personas", None)
        if speed is not None and (not isinstance(speed, (int, float)) or isinstance(speed, bool) or speed <= 0):
            return control_error(400, "speed must be a number > 0")
        if personas is not None and not isinstance(personas, dict):
            return control_error(400, "personas must be an object keyed by number")
        # validate everything on copies before touching the live state
        staged_config = SimConfig(**self.sim.config.to_json())
        staged_book = PersonaBook(dict(self.sim.personas.overrides))
        try:
            staged_config.update(changes)
            for number, persona in (personas or {}).items():
                staged_book.override(number, persona)
        except (ConfigError, PersonaError, TypeError) as exc:
            return control_error(400, str(exc))
        self.sim.config.update(changes)
        if "callbacks" in changes:
            self.sim.webhooks.callback_mode_set()
        self.sim.personas.overrides = staged_book.overrides
        if speed is not None:
            self.sim.clock.set_speed(float(speed))
        return web.json_response(self._config_json())

    async def reset(self, request: web.Request) -> web.Response:
        await self.sim.reset()
        return web.json_response({"ok": True, **self._config_json()})
