"""Inbound Twilio webhooks: verify the signature on the public URL, parse, answer."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from flask import Request, Response

log = logging.getLogger(__name__)

TWIML_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


@dataclass(frozen=True)
class TwilioRequest:
    """A verified webhook: which session, party and dial attempt it is about, and its form."""

    call_session_id: str
    party: str
    attempt: int
    params: dict[str, str]


def handle_twilio_webhook(
    req: Request,
    *,
    public_url_base: str,
    function_name: str,
    signature_ok: Callable[[str, dict[str, str], str | None, str | None], bool],
    handler: Callable[[TwilioRequest], str | None],
    needs_party: bool = True,
) -> Response:
    params = {key: str(value) for key, value in req.form.items()}
    raw_query = req.query_string.decode()
    public_url = f"{public_url_base.rstrip('/')}/{function_name}" + (f"?{raw_query}" if raw_query else "")
    signature = req.headers.get("X-Twilio-Signature")
    if not signature_ok(public_url, params, signature, req.headers.get("X-Twilio-Webhooks-Signature-Settings")):
        log.warning("twilio webhook %s rejected: bad signature", function_name)
        return Response("invalid signature", status=403)
    from shared.entry.twilio_query import parse_twilio_query
    from shared.kernel.errors import InvalidArgument

    try:
        query = parse_twilio_query(dict(req.args.items()), needs_party=needs_party)
    except InvalidArgument as exc:
        return Response(f"bad callback URL: {exc}", status=400)
    call = TwilioRequest(query.callSessionId, query.party or "", query.attempt, params)
    try:
        twiml = handler(call)
    except Exception:
        log.exception("twilio webhook %s failed for session %s", function_name, call.call_session_id)
        return Response("error; retry", status=500)
    return Response(twiml or TWIML_EMPTY, status=200, content_type="text/xml")
