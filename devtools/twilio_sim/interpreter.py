"""Executes a call's TwiML, verb by verb, on the virtual clock."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from devtools.twilio_sim.clock import VirtualClock
from devtools.twilio_sim.conference import ConferenceBridge
from devtools.twilio_sim.models import Call, Source
from devtools.twilio_sim.twiml import (
    APPLICATION_ERROR,
    VOICE_VERBS,
    TwimlError,
    Verb,
    parse,
    speech_seconds,
)
from devtools.twilio_sim.webhooks import Notices, Webhooks

PLAY_SECONDS = 5.0
MAX_DOCUMENTS = 200  # guards against Redirect loops


@dataclass
class Finish:
    """The call must end with ``status``."""

    status: str
    reason: str
    #: requested after the hang-up, its TwiML ignored (Dial action when the
    #: callee hangs up during <Dial>, as Twilio does)
    notify: Source | None = None


class TwimlRunner:
    def __init__(
        self,
        call: Call,
        clock: VirtualClock,
        webhooks: Webhooks,
        notices: Notices,
        bridge: ConferenceBridge,
    ) -> None:
        self.call = call
        self.clock = clock
        self.webhooks = webhooks
        self.notices = notices
        self.bridge = bridge
        self.doc_url: str | None = None

    async def run(self, source: Source | None) -> Finish:
        for _ in range(MAX_DOCUMENTS):
            if source is None:
                break
            verbs = await self._fetch(source)
            if isinstance(verbs, Finish):
                return verbs
            source = None
            for verb in verbs:
                outcome = await self._execute(verb)
                if isinstance(outcome, Finish):
                    return outcome
                if isinstance(outcome, Source):
                    source = outcome
                    break
        return Finish("completed", "end-of-twiml")

    # -- documents ------------------------------------------------------------
    async def _fetch(self, source: Source) -> list[Verb] | Finish:
        call = self.call
        if source.twiml is not None:
            self.doc_url = None
            call.log.add("twiml", inline=True, body=source.twiml)
            body = source.twiml
        else:
            assert source.url is not None
            params = {**call.base_params(), **source.params}
            if call.answered_by and call.amd_duration_ms is not None and not call.async_amd:
                params["MachineDetectionDuration"] = str(call.amd_duration_ms)
            result = await self.webhooks.request(source.url, source.method, params)
            call.log.add(
                "twiml_fetch",
                url=result.url,
                method=result.method,
                params=params,
                status_code=result.status,
                error=result.error,
                body=result.body[:4000],
            )
            if not result.ok:
                detail = result.error or f"HTTP {result.status}"
                return await self._application_error(11200, f"HTTP retrieval failure: {detail}", result.url)
            self.doc_url = source.url
            body = result.body
        try:
            return parse(body)
        except TwimlError as exc:
            return await self._application_error(12100, f"Document parse failure: {exc}", source.url)

    async def _application_error(self, code: int, message: str, url: str | None) -> Finish:
        self.notices.add(code, message, call_sid=self.call.sid, url=url)
        self.call.log.add("notice", code=code, message=message, url=url)
        await self._say(APPLICATION_ERROR, "en-US", "man", 1, origin="twilio")
        return Finish("completed", "application-error")

    def _resolve(self, target: str) -> str | None:
        target = target.strip()
        if not target:
            return self.doc_url
        if target.startswith(("http://", "https://")):
            return target
        if self.doc_url is None:
            self.notices.add(11100, f"Invalid URL format: {target!r}", call_sid=self.call.sid)
            return None
        return urljoin(self.doc_url, target)

    # -- verbs ----------------------------------------------------------------
    async def _execute(self, verb: Verb) -> Finish | Source | None:
        self.call.log.add("verb", **verb.describe())
        name = verb.name
        if name == "Say":
            loops = _loops(verb)
            await self._say(
                verb.text,
                verb.attr("language", "en-US"),
                verb.attr("voice", "man"),
                loops,
            )
        elif name == "Play":
            loops = _loops(verb)
            self.call.log.add("play", url=verb.text, loop=loops, digits=verb.attr("digits") or None)
            await self.clock.sleep(PLAY_SECONDS * loops)
        elif name == "Pause":
            length = verb.number("length", 1.0)
            self.call.log.add("pause", length=length)
            await self.clock.sleep(length)
        elif name == "Gather":
            return await self._gather(verb)
        elif name == "Dial":
            return await self._dial(verb)
        elif name == "Hangup":
            return Finish("completed", "hangup-verb")
        elif name == "Reject":
            reason = verb.attr("reason", "rejected")
            return Finish("busy" if reason == "busy" else "no-answer", f"reject-{reason}")
        elif name == "Redirect":
            url = self._resolve(verb.text)
            if url is not None:
                return Source(url=url, method=verb.attr("method", "POST").upper())
        else:
            known = name in VOICE_VERBS
            message = f"{'Unsupported' if known else 'Unknown'} verb <{name}> skipped"
            self.notices.add(12200 if not known else 13999, message, call_sid=self.call.sid)
            self.call.log.add("notice", message=message)
        return None

    async def _say(self, text: str, language: str, voice: str, loops: int, origin: str = "twiml") -> None:
        self.call.log.add("say", text=text, language=language, voice=voice, loop=loops, origin=origin)
        await self.clock.sleep(speech_seconds(text) * loops)

    async def _gather(self, verb: Verb) -> Source | None:
        call = self.call
        index = call.gathers
        call.gathers += 1
        for child in verb.children:
            if child.name in ("Say", "Play", "Pause"):
                await self._execute(child)
        timeout = verb.number("timeout", 5.0)
        num_digits = int(verb.number("numDigits", 0)) or None
        finish_key = verb.attr("finishOnKey", "#")
        method = verb.attr("method", "POST").upper()
        action = self._resolve(verb.attr("action"))
        pressed = call.persona.digits_for(index)
        if pressed:
            await self.clock.sleep(call.persona.digit_delay)
            digits, finished_on = _collect(pressed, num_digits, finish_key)
            if not finished_on and (num_digits is None or len(digits) < num_digits):
                await self.clock.sleep(timeout)  # waits for more digits, then submits
            call.log.add("digits", digits=digits, finished_on_key=finished_on, action=action)
            if action is None:
                return None
            return Source(
                url=action,
                method=method,
                params={"Digits": digits, "FinishedOnKey": finished_on},
            )
        await self.clock.sleep(timeout)
        call.log.add("gather_timeout", timeout=timeout)
        if verb.flag("actionOnEmptyResult", False) and action is not None:
            return Source(url=action, method=method, params={"Digits": "", "FinishedOnKey": ""})
        return None

    async def _dial(self, verb: Verb) -> Finish | Source | None:
        call = self.call
        nouns = [c for c in verb.children if c.name == "Conference"]
        action = self._resolve(verb.attr("action")) if verb.attr("action") else None
        method = verb.attr("method", "POST").upper()
        if not nouns:
            message = "Only <Dial><Conference> is simulated; dial ended as failed"
            self.notices.add(13999, message, call_sid=call.sid)
            call.log.add("notice", message=message)
            if action:
                return Source(url=action, method=method, params={"DialCallStatus": "failed"})
            return None
        noun = nouns[0]
        part = self.bridge.join(call, noun.text, noun.attrs)
        started = self.clock.now()
        wait_url = noun.attrs.get("waitUrl", "")
        conf = self.bridge.conferences[part.conference_sid]
        if wait_url and conf.status == "init":
            call.timers.append(asyncio.ensure_future(self._fetch_wait_url(wait_url, noun)))
        assert part.left is not None
        talk = call.persona.talk_seconds
        timers: dict[asyncio.Future[None], str] = {}
        if talk is not None:
            timers[asyncio.ensure_future(self.clock.sleep(talk))] = "hangup"
        timers[asyncio.ensure_future(self.clock.sleep(verb.number("timeLimit", 14400)))] = "time-limit"
        try:
            waiting: list[asyncio.Future[Any]] = [part.left, *timers]
            done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for timer in timers:
                timer.cancel()
        reasons = ["left" if fut is part.left else timers[fut] for fut in done]
        why = min(reasons, key=["left", "hangup", "time-limit"].index)
        seconds = str(round(self.clock.now() - started))
        params = {"DialCallStatus": "completed", "DialCallDuration": seconds}
        if why == "hangup":
            notify = Source(url=action, method=method, params=params) if action else None
            return Finish("completed", "callee-hangup", notify)
        if why == "time-limit":
            self.bridge.leave(call, "time_limit_exceeded")
        call.conference_sid = None
        if action:
            return Source(url=action, method=method, params=params)
        return None

    async def notify(self, source: Source) -> None:
        """Request ``source`` for information only (the call is over)."""
        assert source.url is not None
        params = {**self.call.base_params(), **source.params}
        result = await self.webhooks.request(source.url, source.method, params)
        self.call.log.add(
            "twiml_fetch",
            url=result.url,
            method=result.method,
            params=params,
            status_code=result.status,
            error=result.error,
            ignored=True,
        )

    async def _fetch_wait_url(self, url: str, noun: Verb) -> None:
        target = self._resolve(url)
        if target is None:
            return
        method = noun.attrs.get("waitMethod", "POST").upper()
        result = await self.webhooks.request(target, method, self.call.base_params())
        self.call.log.add(
            "wait_url_fetch",
            url=result.url,
            status_code=result.status,
            error=result.error,
        )


def _loops(verb: Verb) -> int:
    loops = int(verb.number("loop", 1))
    return 1000 if loops <= 0 else loops


def _collect(pressed: str, num_digits: int | None, finish_key: str) -> tuple[str, str]:
    digits = ""
    for key in pressed:
        if finish_key and key in finish_key:
            return digits, key
        digits += key
        if num_digits is not None and len(digits) >= num_digits:
            break
    return digits, ""
