"""Twilio REST JSON shapes (API 2010-04-01) for the simulated resources."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from devtools.twilio_sim.clock import VirtualClock
from devtools.twilio_sim.faults import SimConfig
from devtools.twilio_sim.models import (
    API_VERSION,
    Call,
    Conference,
    Message,
    Participant,
)
from devtools.twilio_sim.pricing import visible_price

JSON_CT = "application/json"


def twilio_error(status: int, code: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    """An error response in Twilio's format."""
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return web.json_response(body, status=status, headers=headers)


class Renderer:
    """Turns model objects into Twilio resource dictionaries."""

    def __init__(self, clock: VirtualClock, config: SimConfig) -> None:
        self.clock = clock
        self.config = config

    def _ts(self, at: float | None) -> str | None:
        return None if at is None else self.clock.timestamp(at)

    def call(self, call: Call) -> dict[str, Any]:
        base = f"/{API_VERSION}/Accounts/{call.account_sid}/Calls/{call.sid}"
        return {
            "account_sid": call.account_sid,
            "annotation": None,
            "answered_by": call.answered_by,
            "api_version": API_VERSION,
            "caller_name": None,
            "date_created": self._ts(call.created_at),
            "date_updated": self._ts(call.updated_at or call.created_at),
            "direction": "outbound-api",
            "duration": str(call.duration) if call.final else None,
            "end_time": self._ts(call.ended_at),
            "forwarded_from": None,
            "from": call.from_,
            "from_formatted": call.from_,
            "group_sid": None,
            "parent_call_sid": None,
            "phone_number_sid": None,
            "price": visible_price(call, self.clock.now(), self.config.price_delay_seconds),
            "price_unit": call.price_unit or self.config.price_unit,
            "queue_time": "0",
            "sid": call.sid,
            "start_time": self._ts(call.started_at),
            "status": call.status,
            "subresource_uris": {
                name: f"{base}/{name[0].upper()}{_camel(name[1:])}.json"
                for name in (
                    "feedback",
                    "notifications",
                    "recordings",
                    "streams",
                    "payments",
                    "siprec",
                    "events",
                    "user_defined_message_subscriptions",
                    "user_defined_messages",
                )
            },
            "to": call.to,
            "to_formatted": call.to,
            "trunk_sid": None,
            "uri": f"{base}.json",
        }

    def conference(self, conf: Conference) -> dict[str, Any]:
        base = f"/{API_VERSION}/Accounts/{conf.account_sid}/Conferences/{conf.sid}"
        return {
            "account_sid": conf.account_sid,
            "api_version": API_VERSION,
            "call_sid_ending_conference": conf.call_sid_ending,
            "date_created": self._ts(conf.created_at),
            "date_updated": self._ts(conf.updated_at),
            "friendly_name": conf.friendly_name,
            "reason_conference_ended": conf.reason_ended,
            "region": "us1",
            "sid": conf.sid,
            "status": conf.status,
            "subresource_uris": {
                "participants": f"{base}/Participants.json",
                "recordings": f"{base}/Recordings.json",
            },
            "uri": f"{base}.json",
        }

    def participant(self, part: Participant) -> dict[str, Any]:
        account = part.call.account_sid
        return {
            "account_sid": account,
            "call_sid": part.call.sid,
            "call_sid_to_coach": None,
            "coaching": False,
            "conference_sid": part.conference_sid,
            "date_created": self._ts(part.joined_at),
            "date_updated": self._ts(part.updated_at or part.joined_at),
            "end_conference_on_exit": part.end_conference_on_exit,
            "hold": part.hold,
            "label": part.label,
            "muted": part.muted,
            "queue_time": "0",
            "start_conference_on_enter": part.start_conference_on_enter,
            "status": part.status,
            "uri": f"/{API_VERSION}/Accounts/{account}/Conferences/"
            f"{part.conference_sid}/Participants/{part.call.sid}.json",
        }

    def message(self, msg: Message) -> dict[str, Any]:
        base = f"/{API_VERSION}/Accounts/{msg.account_sid}/Messages/{msg.sid}"
        return {
            "account_sid": msg.account_sid,
            "api_version": API_VERSION,
            "body": msg.body,
            "date_created": self._ts(msg.created_at),
            "date_sent": self._ts(msg.sent_at),
            "date_updated": self._ts(msg.updated_at or msg.created_at),
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": msg.from_,
            "messaging_service_sid": msg.messaging_service_sid,
            "num_media": "0",
            "num_segments": str(max(1, -(-len(msg.body) // 160))),
            "price": None,
            "price_unit": "USD",
            "sid": msg.sid,
            "status": msg.status,
            "subresource_uris": {"media": f"{base}/Media.json"},
            "to": msg.to,
            "uri": f"{base}.json",
        }


def page(
    request: web.Request,
    key: str,
    items: Sequence[Any],
    render: Callable[[Any], dict[str, Any]],
) -> web.Response:
    """A Twilio list page (``PageSize``/``Page`` paging with ``next_page_uri``)."""
    query = request.query
    try:
        size = max(1, min(1000, int(query.get("PageSize", "50"))))
        number = max(0, int(query.get("Page", "0")))
    except ValueError:
        return twilio_error(400, 20001, "Invalid paging parameter")
    start = number * size
    chunk = list(items[start : start + size])
    path = request.path

    def uri(page_no: int) -> str:
        params = [(k, v) for k, v in query.items() if k not in ("Page", "PageSize", "PageToken")]
        params += [("PageSize", str(size)), ("Page", str(page_no))]
        return f"{path}?{urlencode(params)}"

    has_next = start + size < len(items)
    body = {
        key: [render(item) for item in chunk],
        "end": start + max(0, len(chunk) - 1),
        "first_page_uri": uri(0),
        "next_page_uri": uri(number + 1) if has_next else None,
        "page": number,
        "page_size": size,
        "previous_page_uri": uri(number - 1) if number > 0 else None,
        "start": start,
        "uri": uri(number),
    }
    return web.json_response(body)


def _camel(snake: str) -> str:
    parts = snake.split("_")
    return parts[0] + "".join(p.capitalize() for p in parts[1:])
