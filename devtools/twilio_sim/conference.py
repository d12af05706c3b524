"""Conference rooms: joins, leaves, start/end rules and their callbacks."""

from __future__ import annotations

import asyncio
from typing import Any

from devtools.twilio_sim.clock import VirtualClock
from devtools.twilio_sim.faults import SimConfig
from devtools.twilio_sim.models import Call, Conference, EventLog, Participant, new_sid
from devtools.twilio_sim.webhooks import Callback, Webhooks

#: statusCallbackEvent keyword -> StatusCallbackEvent values it enables
EVENT_KEYWORDS = {
    "start": ("conference-start",),
    "end": ("conference-end",),
    "join": ("participant-join",),
    "leave": ("participant-leave",),
    "mute": ("participant-mute", "participant-unmute"),
    "hold": ("participant-hold", "participant-unhold"),
}


def _bool(value: bool) -> str:
    return "true" if value else "false"


class ConferenceBridge:
    def __init__(
        self,
        clock: VirtualClock,
        config: SimConfig,
        webhooks: Webhooks,
        account_sid: str,
    ) -> None:
        self.clock = clock
        self.config = config
        self.webhooks = webhooks
        self.account_sid = account_sid
        self.conferences: dict[str, Conference] = {}

    def reset(self) -> None:
        self.conferences.clear()

    # -- lookups ------------------------------------------------------------
    def active(self, name: str) -> Conference | None:
        for conf in self.conferences.values():
            if conf.friendly_name == name and conf.status != "completed":
                return conf
        return None

    def participant_of(self, call: Call) -> Participant | None:
        conf = self.conferences.get(call.conference_sid or "")
        return conf.participants.get(call.sid) if conf else None

    # -- joining ------------------------------------------------------------
    def join(self, call: Call, name: str, attrs: dict[str, str]) -> Participant:
        now = self.clock.now()
        conf = self.active(name)
        if conf is None:
            conf = Conference(
                sid=new_sid("CF"),
                account_sid=self.account_sid,
                friendly_name=name,
                log=EventLog(self.clock),
                created_at=now,
                updated_at=now,
            )
            self.conferences[conf.sid] = conf
            conf.log.add("created", friendly_name=name)
        if conf.status_callback is None and attrs.get("statusCallback"):
            # Twilio keeps the conference statusCallback of the first
            # participant that sets one.
            conf.status_callback = attrs["statusCallback"]
            conf.status_callback_method = attrs.get("statusCallbackMethod", "POST").upper()
            words = attrs.get("statusCallbackEvent", "start end").replace(",", " ").split()
            conf.status_callback_events = tuple(ev for word in words for ev in EVENT_KEYWORDS.get(word, ()))
        part = Participant(
            call=call,
            conference_sid=conf.sid,
            joined_at=now,
            start_conference_on_enter=_flag(attrs, "startConferenceOnEnter", True),
            end_conference_on_exit=_flag(attrs, "endConferenceOnExit", False),
            muted=_flag(attrs, "muted", False),
            beep=attrs.get("beep", "true"),
            label=attrs.get("participantLabel"),
            left=asyncio.get_running_loop().create_future(),
        )
        conf.participants[call.sid] = part
        if call.sid not in conf.all_call_sids:
            conf.all_call_sids.append(call.sid)
        conf.updated_at = now
        call.conference_sid = conf.sid
        call.log.add("conference_join", conference_sid=conf.sid, friendly_name=name)
        conf.log.add("join", call_sid=call.sid, beep=part.beep)
        if self._may_start(conf):
            conf.status = "in-progress"
            conf.started_at = now
            conf.log.add("start")
            self._emit(conf, "conference-start")
        self._emit(conf, "participant-join", part)
        return part

    def _may_start(self, conf: Conference) -> bool:
        parts = conf.participants.values()
        return (
            conf.status == "init"
            and len(conf.participants) >= self.config.conference_start_min_participants
            and any(p.start_conference_on_enter for p in parts)
        )

    # -- leaving ------------------------------------------------------------
    def leave(self, call: Call, reason: str, kicked: bool = False) -> bool:
        """Remove ``call`` from its conference (idempotent). True if it was in."""
        conf = self.conferences.get(call.conference_sid or "")
        if conf is None or call.sid not in conf.participants:
            return False
        part = conf.participants.pop(call.sid)
        self._depart(conf, part, reason)
        if part.end_conference_on_exit:
            suffix = "kicked" if kicked else "left"
            self.end(conf, f"participant-with-end-conference-on-exit-{suffix}", call.sid)
        elif not conf.participants:
            suffix = "kicked" if kicked else "left"
            self.end(conf, f"last-participant-{suffix}", call.sid)
        return True

    def _depart(self, conf: Conference, part: Participant, reason: str) -> None:
        now = self.clock.now()
        part.status = "complete"
        part.updated_at = now
        conf.updated_at = now
        part.call.log.add("conference_leave", conference_sid=conf.sid, reason=reason)
        conf.log.add("leave", call_sid=part.call.sid, reason=reason)
        self._emit(
            conf,
            "participant-leave",
            part,
            ParticipantCallStatus=part.call.status,
            ReasonParticipantLeft=reason,
        )
        if part.left is not None and not part.left.done():
            part.left.set_result(reason)

    def end(self, conf: Conference, reason: str, call_sid: str | None = None) -> None:
        if conf.status == "completed":
            return
        for part in list(conf.participants.values()):
            conf.participants.pop(part.call.sid)
            self._depart(conf, part, "conference_ended")
        conf.status = "completed"
        conf.ended_at = conf.updated_at = self.clock.now()
        conf.reason_ended = reason
        conf.call_sid_ending = call_sid
        conf.log.add("end", reason=reason, call_sid=call_sid)
        extra = {"ReasonConferenceEnded": reason}
        if call_sid:
            extra["CallSidEndingConference"] = call_sid
        self._emit(conf, "conference-end", None, **extra)
        self.webhooks.flush(conf.sid)

    # -- participant updates --------------------------------------------------
    def update(self, conf: Conference, part: Participant, muted: bool | None, hold: bool | None) -> None:
        part.updated_at = self.clock.now()
        if muted is not None and muted != part.muted:
            part.muted = muted
            self._emit(conf, "participant-mute" if muted else "participant-unmute", part)
        if hold is not None and hold != part.hold:
            part.hold = hold
            self._emit(conf, "participant-hold" if hold else "participant-unhold", part)

    # -- callbacks ----------------------------------------------------------
    def _emit(
        self,
        conf: Conference,
        event: str,
        part: Participant | None = None,
        **extra: str,
    ) -> None:
        if not conf.status_callback or event not in conf.status_callback_events:
            return
        conf.sequence += 1
        params: dict[str, Any] = {
            "AccountSid": conf.account_sid,
            "ConferenceSid": conf.sid,
            "FriendlyName": conf.friendly_name,
            "SequenceNumber": str(conf.sequence),
            "StatusCallbackEvent": event,
            "Timestamp": self.clock.timestamp(),
        }
        logs = [conf.log]
        if part is not None:
            params.update(
                CallSid=part.call.sid,
                Coaching="false",
                EndConferenceOnExit=_bool(part.end_conference_on_exit),
                Hold=_bool(part.hold),
                Muted=_bool(part.muted),
                StartConferenceOnEnter=_bool(part.start_conference_on_enter),
            )
            if part.label:
                params["ParticipantLabel"] = part.label
            logs.append(part.call.log)
        params.update(extra)
        self.webhooks.callback(
            Callback(
                owner=conf.sid,
                kind="conference",
                event=event,
                url=conf.status_callback,
                method=conf.status_callback_method,
                params={k: str(v) for k, v in params.items()},
                logs=logs,
            )
        )


def _flag(attrs: dict[str, str], name: str, default: bool) -> bool:
    value = attrs.get(name)
    return default if value is None else value.strip().lower() == "true"
