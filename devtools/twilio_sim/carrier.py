"""The carrier: places outbound calls and drives them through their life.

queued -> initiated -> ringing -> in-progress -> completed
                               \\-> no-answer | busy | failed | canceled

Each call is one asyncio task. The part of it that can be interrupted by the
REST API (ringing, TwiML execution) runs in a child task, ``call.runner``;
hang-ups and redirects set ``call.interrupt`` and cancel that child.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable
from typing import Any

from devtools.twilio_sim.amd import MachineDetector
from devtools.twilio_sim.clock import VirtualClock
from devtools.twilio_sim.conference import ConferenceBridge
from devtools.twilio_sim.faults import SimConfig
from devtools.twilio_sim.interpreter import Finish, TwimlRunner
from devtools.twilio_sim.models import Call, EventLog, Source, new_sid
from devtools.twilio_sim.personas import PersonaBook
from devtools.twilio_sim.pricing import settle_price
from devtools.twilio_sim.webhooks import Callback, Notices, Webhooks

SETUP_SECONDS = 0.5  # queued -> initiated
DIAL_SECONDS = 1.0  # initiated -> ringing
SIP_CODES = {
    "completed": 200,
    "busy": 486,
    "no-answer": 487,
    "canceled": 487,
    "failed": 500,
}
_INTERRUPTED = object()


class Carrier:
    def __init__(
        self,
        clock: VirtualClock,
        config: SimConfig,
        personas: PersonaBook,
        webhooks: Webhooks,
        notices: Notices,
        account_sid: str,
    ) -> None:
        self.clock = clock
        self.config = config
        self.personas = personas
        self.webhooks = webhooks
        self.notices = notices
        self.account_sid = account_sid
        self.bridge = ConferenceBridge(clock, config, webhooks, account_sid)
        self.amd = MachineDetector(clock, webhooks)
        self.calls: dict[str, Call] = {}

    async def reset(self) -> None:
        tasks = [c.task for c in self.calls.values() if c.task is not None]
        tasks += [t for c in self.calls.values() for t in c.timers]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.calls.clear()
        self.bridge.reset()

    # -- placing calls --------------------------------------------------------
    def place_call(self, **fields: Any) -> Call:
        now = self.clock.now()
        call = Call(
            sid=new_sid("CA"),
            account_sid=self.account_sid,
            persona=self.personas.lookup(fields["to"]),
            log=EventLog(self.clock),
            created_at=now,
            updated_at=now,
            **fields,
        )
        self.calls[call.sid] = call
        call.log.add(
            "created",
            to=call.to,
            persona=call.persona.name,
            source=_describe(call.source),
        )
        call.task = asyncio.get_running_loop().create_task(self._lifecycle(call))
        return call

    async def _lifecycle(self, call: Call) -> None:
        if call.final:  # canceled before the carrier picked it up
            return
        try:
            answered = await self._interruptible(call, self._ring(call))
            if answered is _INTERRUPTED:
                self._finish_interrupted(call)
                return
            if call.final:
                return
            await self._converse(call)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.notices.add(0, f"simulator error: {exc!r}", call_sid=call.sid)
            call.log.add("simulator_error", error=repr(exc))
            if not call.final:
                self.finish(call, "failed", "simulator-error")

    async def _interruptible(self, call: Call, work: Awaitable[Any]) -> Any:
        call.runner = asyncio.ensure_future(work)
        try:
            return await call.runner
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if call.interrupt is None or (current is not None and current.cancelling()):
                raise
            return _INTERRUPTED
        finally:
            call.runner = None

    async def _ring(self, call: Call) -> None:
        persona = call.persona
        await self.clock.sleep(SETUP_SECONDS)
        call.started_at = self.clock.now()
        self._set_status(call, "initiated")
        await self.clock.sleep(DIAL_SECONDS)
        self._set_status(call, "ringing")
        if persona.outcome == "no-answer" or (persona.outcome == "answer" and persona.ring_seconds >= call.timeout):
            await self.clock.sleep(call.timeout)
            self.finish(call, "no-answer", "timeout")
        elif persona.outcome in ("busy", "failed"):
            await self.clock.sleep(persona.ring_seconds)
            self.finish(call, persona.outcome, persona.outcome)
        else:
            await self.clock.sleep(persona.ring_seconds)
            call.answered_at = self.clock.now()
            self._set_status(call, "in-progress")

    async def _converse(self, call: Call) -> None:
        persona = call.persona
        if persona.hangup_after is not None:
            call.timers.append(asyncio.ensure_future(self._hang_up_later(call, persona.hangup_after)))
        source: Source | None = call.source
        if call.machine_detection and call.async_amd:
            call.timers.append(asyncio.ensure_future(self.amd.detect_in_background(call)))
        elif call.machine_detection:
            detection = await self._interruptible(call, self.amd.detect(call, "sync"))
            if detection is _INTERRUPTED:
                source = self._take_redirect(call)
                if source is None:
                    self._finish_interrupted(call)
                    return
        while not call.final:
            runner = TwimlRunner(call, self.clock, self.webhooks, self.notices, self.bridge)
            outcome = await self._interruptible(call, runner.run(source))
            if call.final:
                return
            source = self._take_redirect(call)
            if source is not None:
                continue
            if outcome is _INTERRUPTED:
                self._finish_interrupted(call)
                return
            assert isinstance(outcome, Finish)
            self.finish(call, outcome.status, outcome.reason)
            if outcome.notify is not None:
                await runner.notify(outcome.notify)

    def _take_redirect(self, call: Call) -> Source | None:
        if call.interrupt is None or call.interrupt[0] != "redirect":
            return None
        source: Source = call.interrupt[1]
        call.interrupt = None
        call.log.add("redirected", source=_describe(source))
        return source

    async def _hang_up_later(self, call: Call, seconds: float) -> None:
        await self.clock.sleep(seconds)
        if not call.final:
            call.log.add("callee_hangup", after=seconds)
            self.hang_up(call, "completed", "callee-hangup")

    # -- control from the REST API ----------------------------------------------------
    def hang_up(self, call: Call, status: str, reason: str) -> None:
        """End a live call now (REST ``Status=completed|canceled`` or callee)."""
        if call.final:
            return
        if call.status in ("queued", "initiated", "ringing"):
            status = "canceled"
        elif status == "canceled":
            return  # Twilio ignores Status=canceled for a call in progress
        call.interrupt = ("hangup", status)
        self.finish(call, status, reason)
        if call.runner is not None:
            call.runner.cancel()

    def redirect(self, call: Call, source: Source) -> None:
        if call.status != "in-progress":
            call.source = source  # not answered yet: used on answer
            call.log.add("source_replaced", source=_describe(source))
            return
        self.bridge.leave(call, "participant_updated_via_api")
        call.interrupt = ("redirect", source)
        if call.runner is not None:
            call.runner.cancel()

    def _finish_interrupted(self, call: Call) -> None:
        if not call.final:
            self.finish(call, "completed", "interrupted")

    # -- status changes -----------------------------------------------------------
    def _set_status(self, call: Call, status: str) -> None:
        if call.final:
            return
        call.status = status
        call.updated_at = self.clock.now()
        call.log.add("status", status=status)
        event = {
            "initiated": "initiated",
            "ringing": "ringing",
            "in-progress": "answered",
        }.get(status)
        if event:
            self._status_callback(call, event)

    def finish(self, call: Call, status: str, reason: str) -> None:
        if call.final:
            return
        call.ended_at = self.clock.now()
        if call.started_at is None:
            call.started_at = call.ended_at
        call.status = status
        call.updated_at = call.ended_at
        settle_price(call, self.config)
        call.log.add("status", status=status, reason=reason, duration=call.duration, price=call.price)
        self.bridge.leave(call, "participant_hung_up")
        current = asyncio.current_task()
        for timer in call.timers:
            if timer is not current:
                timer.cancel()
        self._status_callback(call, "completed", reason)
        self.webhooks.flush(call.sid)
        self.webhooks.flush(f"{call.sid}/amd")

    def _status_callback(self, call: Call, event: str, reason: str = "") -> None:
        if not call.status_callback or event not in call.status_callback_events:
            return
        params = call.base_params()
        params.update(
            CallbackSource="call-progress-events",
            SequenceNumber=str(call.sequence),
            Timestamp=self.clock.timestamp(),
        )
        call.sequence += 1
        if event == "completed":
            params["CallDuration"] = str(call.duration)
            params["Duration"] = str(math.ceil(call.duration / 60))
            params["SipResponseCode"] = str(SIP_CODES.get(call.status, 200))
        if call.machine_detection and call.answered_by and call.amd_duration_ms is not None:
            params["MachineDetectionDuration"] = str(call.amd_duration_ms)
        self.webhooks.callback(
            Callback(
                owner=call.sid,
                kind="status",
                event=event,
                url=call.status_callback,
                method=call.status_callback_method,
                params=params,
                logs=[call.log],
            )
        )


def _describe(source: Source) -> dict[str, Any]:
    if source.twiml is not None:
        return {"twiml": source.twiml}
    return {"url": source.url, "method": source.method}
