"""The full local stack (the same one `make dev` runs), driven over HTTP."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from devtools import ports
from devtools.emulator_log import emulator_troubles
from devtools.stack import LocalStack

AUTH = f"http://{ports.HOST}:{ports.AUTH_PORT}/identitytoolkit.googleapis.com/v1"
STRIPE = f"http://{ports.HOST}:{ports.LOCALSTRIPE_PORT}"
SIM = f"http://{ports.HOST}:{ports.TWILIO_SIM_PORT}"


# Functions that Twilio and Stripe call in bursts. The Functions emulator garbles a burst of
# concurrent requests to a Python function whose worker has not started yet ("Invalid request"),
# which Twilio would never retry: each is started with one request the function refuses or
# ignores (no signature, no such callback or session) before any test runs.
BURST_FUNCTIONS = (
    ("twilioGatherResponse", b""),
    ("twilioAmdTwiml", b""),
    ("twilioCallWebhook", b""),
    ("twilioConferenceWebhook", b""),
    ("stripeWebhook", b"{}"),
    ("processTwilioCallback", b'{"data": {"callbackId": "warm-up"}}'),
    ("executeScheduledCall", b'{"data": {"callSessionId": "warm-up", "party": "provider", "attempt": 1}}'),
)


def _warm_burst_functions() -> None:
    for name, body in BURST_FUNCTIONS:
        requests.post(
            ports.function_url("europe-west3", name),
            data=body,
            headers={"Content-Type": "application/json"},
            timeout=60,
        )


@pytest.fixture(scope="session")
def stack() -> Iterator[LocalStack]:
    with LocalStack() as running:
        _EMULATOR_LOGS.append(running.log_dir / "emulators.log")
        os.environ["FIRESTORE_EMULATOR_HOST"] = f"{ports.HOST}:{ports.FIRESTORE_PORT}"
        _warm_burst_functions()
        yield running


_EMULATOR_LOGS: list[Path] = []
"""The log of the stack this run started (none: the log on disk is an earlier run's)."""


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """How the Functions emulator fared, so that a wait that ran out can be told from a defect."""
    troubles = [line for log in _EMULATOR_LOGS for line in emulator_troubles(log.read_text(errors="replace"))]
    if troubles:
        terminalreporter.write_sep("-", "Functions emulator")
        for line in troubles:
            terminalreporter.write_line(line)


@dataclass
class Account:
    uid: str
    id_token: str
    email: str


@dataclass
class CallResult:
    status: int
    body: dict[str, Any]

    @property
    def result(self) -> Any:
        return self.body["result"]

    @property
    def error_status(self) -> str | None:
        return (self.body.get("error") or {}).get("status")

    @property
    def error_message(self) -> str:
        return str((self.body.get("error") or {}).get("message", ""))


def set_claims(uid: str, claims: dict[str, Any]) -> None:
    """Custom claims written as the server does (the Auth emulator's admin access)."""
    import json

    response = requests.post(
        f"{AUTH}/projects/{ports.PROJECT_ID}/accounts:update",
        json={"localId": uid, "customAttributes": json.dumps(claims)},
        headers={"Authorization": "Bearer owner"},
        timeout=10,
    )
    response.raise_for_status()


class WebApp:
    """What the web app does: Auth emulator REST for accounts, callables over HTTP."""

    def sign_up(self, role: str = "client") -> Account:
        """A new account as the web app signs it up: `beforeUserCreated` gives it the client role
        in its first ID token. Another role is then set as the server would (the Auth emulator's
        admin access), for tests of accounts that later flows create."""
        email = f"client-{uuid.uuid4().hex[:10]}@e2e.sos-expat.test"
        response = requests.post(
            f"{AUTH}/accounts:signUp?key=fake-api-key",
            json={"email": email, "password": "e2e-password-1", "returnSecureToken": True},
            timeout=10,
        )
        response.raise_for_status()
        body = response.json()
        if role == "client":
            return Account(body["localId"], body["idToken"], email)
        set_claims(body["localId"], {"role": role})
        return self.sign_in(email, "e2e-password-1")

    def sign_in(self, email: str, password: str = "demo-password-1") -> Account:
        response = requests.post(
            f"{AUTH}/accounts:signInWithPassword?key=fake-api-key",
            json={"email": email, "password": password, "returnSecureToken": True},
            timeout=10,
        )
        response.raise_for_status()
        body = response.json()
        return Account(body["localId"], body["idToken"], email)

    def call(self, region: str, name: str, data: Any, account: Account | None) -> CallResult:
        headers = {"Authorization": f"Bearer {account.id_token}"} if account else {}
        for _ in range(3):
            response = requests.post(ports.function_url(region, name), json={"data": data}, headers=headers, timeout=60)
            try:
                body = response.json()
            except ValueError:
                body = {"raw": response.text}
            # The Functions emulator's proxy sometimes loses its socket to an idle Python worker
            # before the function runs ("socket hang up" in its log): its own answer, not the
            # product's. Sent again, as a client would after a dropped connection.
            if body != {"code": "ECONNRESET"}:
                break
        return CallResult(response.status_code, body)


@pytest.fixture
def web(stack: LocalStack) -> WebApp:
    return WebApp()


@pytest.fixture(scope="session")
def db(stack: LocalStack) -> Any:
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import firestore

    return firestore.Client(project=ports.PROJECT_ID, credentials=AnonymousCredentials())  # type: ignore[no-untyped-call]


def wait_for(check: Callable[[], Any], *, timeout: float = 20, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def confirm_card(payment_intent_id: str, client_secret: str, payment_method: str = "pm_card_visa") -> dict[str, Any]:
    """What Stripe.js does when the client confirms the card."""
    response = requests.post(
        f"{STRIPE}/v1/payment_intents/{payment_intent_id}/confirm",
        data={"payment_method": payment_method, "client_secret": client_secret},
        auth=(ports.STRIPE_SECRET_KEY, ""),
        timeout=10,
    )
    body: dict[str, Any] = response.json()
    return body


def sim_reset() -> None:
    """The simulator as the stack starts it: parallel callback delivery, as Twilio sends them."""
    from devtools.stack import configure_twilio_simulator

    requests.post(f"{SIM}/_sim/reset", timeout=10).raise_for_status()
    configure_twilio_simulator()


@pytest.fixture
def fresh_simulator(db: Any) -> Iterator[None]:
    """A simulator with default personas and faults off, and a closed Twilio breaker."""
    sim_reset()
    db.document("system/twilio_breaker").delete()
    yield
    sim_reset()
    db.document("system/twilio_breaker").delete()
