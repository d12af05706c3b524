"""Shared helpers for the Twilio simulator tests.

* :class:`ProductApp` plays the product backend: it serves TwiML (a Gather
  asking to press 1, then a Dial/Conference) and receives every callback,
  checking ``X-Twilio-Signature`` with the official ``RequestValidator``.
* :class:`SimEnv` bundles a simulator, the product app and a real
  ``twilio.rest.Client`` pointed at the simulator.

Fixtures are declared with ``name=`` so test modules import them as
``from twilio_sim_support import env_fixture  # noqa: F401``.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import quoteattr

import pytest
import requests
from aiohttp import web

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from twilio.request_validator import (  # noqa: E402
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)
from twilio.rest import Client  # noqa: E402
from twilio.twiml.voice_response import Dial, VoiceResponse  # noqa: E402

from devtools.twilio_sim import (  # noqa: E402
    DEFAULT_ACCOUNT_SID,
    DEFAULT_AUTH_TOKEN,
    AppThread,
    SimulatorThread,
)
from devtools.twilio_sim.faults import (  # noqa: E402
    DEFAULT_SECONDARY_AUTH_TOKEN,
    DEFAULT_SHARED_KEY_SECRET,
)

ACCOUNT_SID = DEFAULT_ACCOUNT_SID
AUTH_TOKEN = DEFAULT_AUTH_TOKEN
CALLER_ID = "+33100000000"
TEST_SPEED = 600.0
# Virtual seconds a busy machine's scheduling delay adds at TEST_SPEED (20 ms of real time):
# lower bounds on durations are exact, upper bounds allow for this.
SCHEDULING_SLACK = 12
ALL_CALL_EVENTS = ["initiated", "ringing", "answered", "completed"]
FINAL = ("completed", "busy", "no-answer", "failed", "canceled")


@dataclass
class Received:
    path: str
    url: str
    method: str
    params: dict[str, str]
    query: dict[str, str]
    headers: dict[str, str]
    signature_valid: bool
    #: which secret the signature matched: auth_token, secondary_auth_token, shared_key (or None)
    signed_with: str | None = None
    #: time.monotonic() when the request arrived
    arrived: float = 0.0

    def __getitem__(self, key: str) -> str:
        return self.params[key]


class ProductApp:
    """A stand-in for the product backend, served in its own thread.

    It accepts the signatures of the primary and the secondary auth token, and of the
    shared key when ``X-Twilio-Webhooks-Signature-Settings`` is present. ``delays``
    holds the answer to a path for some real seconds; ``max_in_flight`` counts the
    requests being answered at the same time, per path and overall (``"*"``)."""

    def __init__(
        self,
        auth_token: str = AUTH_TOKEN,
        secondary_auth_token: str = DEFAULT_SECONDARY_AUTH_TOKEN,
        shared_key_secret: str = DEFAULT_SHARED_KEY_SECRET,
        port: int = 0,
    ) -> None:
        self.tokens = {"auth_token": auth_token, "secondary_auth_token": secondary_auth_token}
        self.shared_key_secret = shared_key_secret
        self.received: list[Received] = []
        self.overrides: dict[str, tuple[int, str]] = {}
        self.delays: dict[str, float] = {}
        self.in_flight: dict[str, int] = {}
        self.max_in_flight: dict[str, int] = {}
        self._generation = 0  # bumped by clear(): a request of an earlier test never counts after it
        self._cond = threading.Condition()
        self.server = AppThread(self._make_app, port=port)

    # -- lifecycle ----------------------------------------------------------
    def start(self) -> ProductApp:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    def clear(self) -> None:
        with self._cond:
            self.received.clear()
            self.overrides.clear()
            self.delays.clear()
            self.in_flight.clear()
            self.max_in_flight.clear()
            self._generation += 1

    def url(self, path: str, **query: str) -> str:
        suffix = f"?{urlencode(query)}" if query else ""
        return f"{self.server.base_url}{path}{suffix}"

    # -- HTTP -----------------------------------------------------------------
    def _make_app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        return app

    async def _handle(self, request: web.Request) -> web.Response:
        form = await request.post() if request.method == "POST" else {}
        params = {k: str(v) for k, v in form.items()}
        url = str(request.url)
        signed_with = self.signed_with(url, params, dict(request.headers))
        record = Received(
            path=request.path,
            url=url,
            method=request.method,
            params=params if request.method == "POST" else dict(request.query),
            query=dict(request.query),
            headers=dict(request.headers),
            signature_valid=signed_with is not None,
            signed_with=signed_with,
            arrived=time.monotonic(),
        )
        with self._cond:
            self.received.append(record)
            self._cond.notify_all()
        delay = self.delays.get(request.path)
        if delay:
            generation = self._generation
            self._count(request.path, +1, generation)
            try:
                await asyncio.sleep(delay)
            finally:
                self._count(request.path, -1, generation)
        if request.path in self.overrides:
            status, body = self.overrides[request.path]
            return web.Response(status=status, text=body, content_type="text/xml")
        twiml = self._twiml(request.path, record)
        if twiml is None:
            return web.Response(text="")
        return web.Response(text=twiml, content_type="text/xml")

    def signed_with(self, url: str, params: dict[str, str], headers: dict[str, str]) -> str | None:
        signature = headers.get("X-Twilio-Signature", "")
        settings = headers.get(SIGNATURE_SETTINGS_HEADER)
        if settings:
            algorithm = get_signature_algorithm(settings)
            valid = RequestValidator(self.shared_key_secret).validate(url, params, signature, algorithm=algorithm)
            return "shared_key" if valid else None
        for name, token in self.tokens.items():
            if RequestValidator(token).validate(url, params, signature):
                return name
        return None

    def _count(self, path: str, step: int, generation: int) -> None:
        with self._cond:
            if generation != self._generation:
                return  # held since before clear(): its test is over
            for key in (path, "*"):
                self.in_flight[key] = self.in_flight.get(key, 0) + step
                self.max_in_flight[key] = max(self.max_in_flight.get(key, 0), self.in_flight[key])

    def _twiml(self, path: str, rec: Received) -> str | None:
        q = rec.query
        if path == "/voice":
            action = "/gather?" + urlencode({k: v for k, v in q.items()})
            return (
                "<?xml version='1.0' encoding='UTF-8'?><Response>"
                f'<Gather numDigits="1" action={quoteattr(action)} timeout="5">'
                '<Say language="fr-FR">Appuyez sur 1 pour accepter la mission.</Say>'
                "</Gather>"
                '<Say language="fr-FR">Nous n\'avons pas recu de reponse.</Say>'
                "<Hangup/></Response>"
            )
        if path == "/gather":
            if rec.params.get("Digits") != "1":
                return '<Response><Say language="fr-FR">Mission refusee.</Say><Hangup/></Response>'
            # rendered with the official helper, as production code does
            response = VoiceResponse()
            response.say("Connexion.")
            dial = Dial(action=q.get("dial_action"), time_limit=q.get("time_limit"))
            dial.conference(
                q.get("conf", "room"),
                start_conference_on_enter=q.get("start", "true") == "true",
                end_conference_on_exit=q.get("end", "false") == "true",
                beep=False,
                wait_url="",
                status_callback=self.url("/conference-events", conf=q.get("conf", "room")),
                status_callback_event="start end join leave",
                status_callback_method="POST",
            )
            response.append(dial)
            return str(response)
        if path == "/redirected":
            return '<Response><Say language="en-GB">You were redirected.</Say><Pause length="2"/></Response>'
        if path == "/hold":
            return '<Response><Pause length="60"/></Response>'
        if path == "/after-dial":
            return "<Response><Say>The conference is over.</Say></Response>"
        return None

    # -- inspection -------------------------------------------------------------
    def wait_for(
        self, predicate: Callable[[list[Received]], bool], timeout: float = 10.0, what: str = ""
    ) -> list[Received]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self.received):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    paths = [
                        (r.path, r.params.get("CallStatus") or r.params.get("StatusCallbackEvent"))
                        for r in self.received
                    ]
                    raise AssertionError(f"timed out waiting for {what or predicate}; got {paths}")
                self._cond.wait(remaining)
            return list(self.received)

    def requests_to(self, path: str, call_sid: str | None = None) -> list[Received]:
        with self._cond:
            return [
                r for r in self.received
                if r.path == path and (call_sid is None or r.params.get("CallSid") == call_sid)
            ]  # fmt: skip

    def statuses(self, call_sid: str) -> list[str]:
        return [r["CallStatus"] for r in self.requests_to("/status", call_sid)]

    def conference_events(self, conf: str) -> list[Received]:
        with self._cond:
            return [r for r in self.received if r.path == "/conference-events" and r.query.get("conf") == conf]


class SimEnv:
    """A simulator, the product app and an official client wired together."""

    def __init__(self, sim: SimulatorThread, product: ProductApp) -> None:
        self.sim = sim
        self.product = product
        self.client = make_client(sim.base_url)

    # -- control API --------------------------------------------------------------
    def control(self, method: str, path: str, body: Any = None) -> Any:
        response = requests.request(method, f"{self.sim.base_url}/_sim/{path}", json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def configure(self, **changes: Any) -> Any:
        return self.control("POST", "config", changes)

    def sim_call(self, sid: str) -> dict[str, Any]:
        result: dict[str, Any] = self.control("GET", f"calls/{sid}")
        return result

    # -- calls ----------------------------------------------------------------------
    def call(
        self,
        to: str,
        conf: str = "room",
        leg: str = "provider",
        events: list[str] | None = None,
        voice_query: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        query = {"conf": conf, **(voice_query or {})}
        return self.client.calls.create(
            to=to,
            from_=CALLER_ID,
            url=self.product.url("/voice", **query),
            status_callback=self.product.url("/status", leg=leg),
            status_callback_event=events if events is not None else ALL_CALL_EVENTS,
            **kwargs,
        )

    def conference_events(self, conf: str, until: str = "conference-end", count: int = 1) -> list[Received]:
        """Conference callbacks of room ``conf`` once ``count`` ``until`` events arrived."""

        def arrived(_: list[Received]) -> bool:
            events = self.product.conference_events(conf)
            return sum(e["StatusCallbackEvent"] == until for e in events) >= count

        self.product.wait_for(arrived, what=f"{count} {until} event(s) of {conf}")
        return self.product.conference_events(conf)

    def wait_final(self, sid: str, timeout: float = 15.0, callback: bool = True) -> dict[str, Any]:
        """Wait until the simulator has ended the call and, with ``callback``,
        has finished sending (or dropping) its ``completed`` status callback."""

        def done() -> dict[str, Any] | None:
            data = self.sim_call(sid)
            if data["status"] not in FINAL:
                return None
            sent = any(c["event"] == "completed" for c in data["callbacks"])
            return data if sent or not callback else None

        result: dict[str, Any] = wait_until(done, timeout, f"call {sid} to end")
        return result


def make_client(base_url: str, **kwargs: Any) -> Client:
    """The recipe production code uses: only the base URL changes."""
    client = Client(ACCOUNT_SID, AUTH_TOKEN, **kwargs)
    client.api.base_url = base_url
    return client


def wait_until(fn: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    """Poll ``fn`` until it returns something truthy, or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def rfc2822_seconds(value: str) -> float:
    return parsedate_to_datetime(value).timestamp()


@pytest.fixture(scope="module", name="sim_server")
def sim_server_fixture() -> Iterator[SimulatorThread]:
    with SimulatorThread(speed=TEST_SPEED) as sim:
        yield sim


@pytest.fixture(scope="module", name="product_app")
def product_app_fixture() -> Iterator[ProductApp]:
    product = ProductApp().start()
    yield product
    product.stop()


@pytest.fixture(name="env")
def env_fixture(sim_server: SimulatorThread, product_app: ProductApp) -> Iterator[SimEnv]:
    env = SimEnv(sim_server, product_app)
    env.control("POST", "reset")
    env.configure(speed=TEST_SPEED)
    product_app.clear()
    yield env
    env.control("POST", "reset")
