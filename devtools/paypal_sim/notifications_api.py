"""Webhooks v1 subset: verify a signature, download the signing certificate,
show and resend an event.

``POST /v1/notifications/verify-webhook-signature`` answers ``SUCCESS`` only if
``auth_algo`` is ``SHA256withRSA``, ``cert_url`` is this simulator's certificate
URL, ``webhook_id`` is the configured webhook's, and ``transmission_sig`` is a
valid signature of ``transmission_id|transmission_time|webhook_id|crc32`` where
the CRC32 is taken over ``webhook_event`` re-serialised by
:func:`~devtools.paypal_sim.signing.event_body`. Anything else is ``FAILURE``;
a request missing a field is a ``VALIDATION_ERROR``.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from devtools.paypal_sim.errors import (
    MISSING,
    WEBHOOKS_ERRORS_LINK,
    Issue,
    invalid_resource_id,
    malformed_request,
    paypal_error,
    validation_error,
)
from devtools.paypal_sim.signing import AUTH_ALGO, CERT_PATH, event_body

if TYPE_CHECKING:
    from devtools.paypal_sim.parts import SimulatorParts

#: field -> maximum length, from PayPal's verify_webhook_signature schema
VERIFY_FIELDS = {
    "auth_algo": 100,
    "cert_url": 500,
    "transmission_id": 50,
    "transmission_sig": 500,
    "transmission_time": 100,
    "webhook_id": 50,
}
_AUTH_ALGO = re.compile(r"^[a-zA-Z0-9]+$")


def _date_time(value: str) -> bool:
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return "T" in value


def _verify_issues(body: dict[str, Any]) -> list[Issue]:
    issues: list[Issue] = []
    for name, longest in VERIFY_FIELDS.items():
        value = body.get(name)
        if value is None:
            issues.append(Issue(name, MISSING))
        elif not isinstance(value, str):
            issues.append(Issue(name, "must be a string"))
        elif not 1 <= len(value) <= longest:
            issues.append(Issue(name, f"size must be between 1 and {longest}"))
        elif name == "auth_algo" and not _AUTH_ALGO.match(value):
            issues.append(Issue(name, 'must match "^[a-zA-Z0-9]+$"'))
        elif name == "cert_url" and not value.startswith(("http://", "https://")):
            issues.append(Issue(name, "must be a valid URL"))
        elif name == "transmission_time" and not _date_time(value):
            issues.append(Issue(name, "must be a date-time in Internet date and time format"))
    event = body.get("webhook_event")
    if event is None:
        issues.append(Issue("webhook_event", MISSING))
    elif not isinstance(event, dict):
        issues.append(Issue("webhook_event", "must be an object"))
    return issues


class NotificationsApi:
    def __init__(self, sim: SimulatorParts) -> None:
        self.sim = sim

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/v1/notifications/verify-webhook-signature", self.verify),
            web.get(CERT_PATH + "{name}", self.certificate),
            web.get("/v1/notifications/webhooks-events/{event_id}", self.show_event),
            web.post("/v1/notifications/webhooks-events/{event_id}/resend", self.resend_event),
        ]

    async def verify(self, request: web.Request) -> web.Response:
        try:
            body = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            return malformed_request(WEBHOOKS_ERRORS_LINK)
        if not isinstance(body, dict):
            return malformed_request(WEBHOOKS_ERRORS_LINK)
        issues = _verify_issues(body)
        if issues:
            return validation_error(issues, WEBHOOKS_ERRORS_LINK)
        return web.json_response({"verification_status": "SUCCESS" if self.genuine(body) else "FAILURE"})

    def genuine(self, body: dict[str, Any]) -> bool:
        sender = self.sim.webhooks
        return (
            body["auth_algo"] == AUTH_ALGO
            and body["cert_url"] == sender.cert_url
            and body["webhook_id"] == sender.webhook_id
            and self.sim.signer.verify(
                body["transmission_id"],
                body["transmission_time"],
                body["webhook_id"],
                event_body(body["webhook_event"]),
                body["transmission_sig"],
            )
        )

    async def certificate(self, request: web.Request) -> web.Response:
        if request.match_info["name"] != self.sim.signer.cert_name:
            return invalid_resource_id()
        return web.Response(body=self.sim.signer.cert_pem, content_type="text/plain")

    async def show_event(self, request: web.Request) -> web.Response:
        event = self.sim.events.events.get(request.match_info["event_id"])
        if event is None:
            return invalid_resource_id()
        return web.json_response(event)

    async def resend_event(self, request: web.Request) -> web.Response:
        """PayPal's resend: the event is delivered again to the webhook; answers the event."""
        event_id = request.match_info["event_id"]
        if event_id not in self.sim.events.events:
            return invalid_resource_id()
        if not self.sim.webhooks.url:
            return paypal_error(
                422,
                "UNPROCESSABLE_ENTITY",
                "No webhook is subscribed to receive this event.",
                information_link=WEBHOOKS_ERRORS_LINK,
            )
        await self.sim.timeline.run_now(lambda: self.sim.events.replay(event_id))
        return web.json_response(self.sim.events.events[event_id], status=202)
