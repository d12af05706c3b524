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
    session_id: str
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
    query = req.query_string.decode()
    public_url = f"{public_url_base.rstrip('/')}/{function_name}" + (f"?{query}" if query else "")
    signature = req.headers.get("X-Twilio-Signature")
    if not signature_ok(public_url, params, signature, req.headers.get("X-Twilio-Webhooks-Signature-Settings")):
        log.warning("twilio webhook %s rejected: bad signature", function_name)
        return Response("invalid signature", status=403)
    session_id = req.args.get("sessionId", "")
    party = req.args.get("party", "")
    attempt = req.args.get("attempt", "0")
    if not session_id or (needs_party and (party not in ("provider", "client") or not attempt.isdigit())):
        return Response("missing sessionId/party/attempt", status=400)
    try:
        twiml = handler(TwilioRequest(session_id, party, int(attempt or 0), params))
    except Exception:
        log.exception("twilio webhook %s failed for session %s", function_name, session_id)
        return Response("error; retry", status=500)
    return Response(twiml or TWIML_EMPTY, status=200, content_type="text/xml")
