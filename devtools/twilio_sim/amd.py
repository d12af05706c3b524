"""Answering machine detection: what AMD reports for a persona, and when."""

from __future__ import annotations

from devtools.twilio_sim.clock import VirtualClock
from devtools.twilio_sim.models import Call
from devtools.twilio_sim.webhooks import Callback, Webhooks


class MachineDetector:
    """Runs AMD on an answered call, synchronously (before the TwiML fetch) or in
    the background (``AsyncAmd=true``, reported to ``AsyncAmdStatusCallback``)."""

    def __init__(self, clock: VirtualClock, webhooks: Webhooks) -> None:
        self.clock = clock
        self.webhooks = webhooks

    def verdict(self, call: Call) -> tuple[str, float]:
        """(``AnsweredBy``, virtual seconds to decide) for this call's persona and mode."""
        persona = call.persona
        if persona.amd_reports is not None:  # a misdetection: AMD is wrong about who answered
            return persona.amd_reports, persona.amd_seconds
        answered_by = persona.answered_by
        machine = answered_by.startswith("machine")
        if call.machine_detection == "Enable":
            if machine:
                answered_by = "machine_start"
            return answered_by, persona.amd_seconds
        if machine and answered_by == "machine_start":
            answered_by = "machine_end_other"
        seconds = persona.greeting_seconds if machine else persona.amd_seconds
        return answered_by, seconds

    async def detect(self, call: Call, mode: str) -> None:
        answered_by, seconds = self.verdict(call)
        await self.clock.sleep(seconds)
        call.answered_by = answered_by
        call.amd_duration_ms = int(seconds * 1000)
        call.log.add("amd", answered_by=answered_by, duration_ms=call.amd_duration_ms, mode=mode)

    async def detect_in_background(self, call: Call) -> None:
        await self.detect(call, "async")
        if call.final or not call.async_amd_callback:
            return
        params = {
            "AccountSid": call.account_sid,
            "AnsweredBy": call.answered_by or "unknown",
            "CallSid": call.sid,
            "MachineDetectionDuration": str(call.amd_duration_ms),
        }
        self.webhooks.callback(
            Callback(
                owner=f"{call.sid}/amd",
                kind="amd",
                event="amd",
                url=call.async_amd_callback,
                method=call.async_amd_callback_method,
                params=params,
                logs=[call.log],
            )
        )
