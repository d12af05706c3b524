"""Renders a CallScript as TwiML with the official twilio helper (light import)."""

from __future__ import annotations

from shared.calls.domain.call_script import AskForDigit, CallScript, HangUp, JoinConference, Say


def render(script: CallScript) -> str:
    from twilio.twiml.voice_response import Dial, Gather, VoiceResponse

    response = VoiceResponse()
    for step in script.steps:
        if isinstance(step, Say):
            response.say(step.prompt.text, language=step.prompt.voice_language)
        elif isinstance(step, AskForDigit):
            gather = Gather(num_digits=1, action=step.action_url, method="POST", timeout=step.timeout_seconds)
            gather.say(step.prompt.text, language=step.prompt.voice_language)
            response.append(gather)
        elif isinstance(step, JoinConference):
            dial = Dial(time_limit=step.time_limit_seconds)
            dial.conference(
                step.name,
                start_conference_on_enter=step.start_on_enter,
                end_conference_on_exit=step.end_on_exit,
                beep=False,
                status_callback=step.status_callback,
                status_callback_event="start end join leave",
                status_callback_method="POST",
            )
            response.append(dial)
        elif isinstance(step, HangUp):
            response.hangup()
    return str(response)
