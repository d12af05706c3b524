"""Permanent REST errors on ``POST Calls.json`` and the strict ``AsyncAmd`` value."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio_sim_support import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    CALLER_ID,
    SimEnv,
    env_fixture,  # noqa: F401
    product_app_fixture,  # noqa: F401
    sim_server_fixture,  # noqa: F401
)

CALLS = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json"


def _raw_create(env: SimEnv, **fields: str) -> requests.Response:
    data = {"From": CALLER_ID, "Url": env.product.url("/voice"), **fields}
    return requests.post(f"{env.sim.base_url}{CALLS}", data=data, auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=5)


@pytest.mark.parametrize(
    ("number", "code", "words"),
    [
        ("+33699999901", 21215, "international permissions"),
        ("+33699999902", 21211, "is not a valid phone number"),
        ("+33699999903", 21219, "unverified"),
        ("+33699999904", 21210, "not yet verified"),
    ],
)
def test_reserved_numbers_answer_a_permanent_error(env: SimEnv, number: str, code: int, words: str) -> None:
    with pytest.raises(TwilioRestException) as caught:
        env.call(number)
    assert (caught.value.status, caught.value.code) == (400, code)
    raw = _raw_create(env, To=number)
    assert raw.status_code == 400
    body = raw.json()
    assert set(body) == {"code", "message", "more_info", "status"}
    assert (body["code"], body["status"]) == (code, 400)
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"
    assert words in body["message"]
    assert env.control("GET", "calls") == []  # nothing was placed, nothing rings
    refused = env.control("GET", "refused_calls")
    assert [(r["to"], r["error"]["code"]) for r in refused] == [(number, code), (number, code)]
    assert env.product.received == []


def test_configured_numbers_answer_their_error_as_to_or_from(env: SimEnv) -> None:
    env.configure(call_errors={"+33612345678": 21215, "+33100000009": 21210})
    with pytest.raises(TwilioRestException) as caught:
        env.call("+33612345678")
    assert caught.value.code == 21215
    with pytest.raises(TwilioRestException) as caught:
        env.client.calls.create(to="+33600000007", from_="+33100000009", twiml="<Response/>")
    assert caught.value.code == 21210
    assert "+33100000009" in caught.value.msg
    env.configure(call_errors={})
    assert env.call("+33612345678").status == "queued"
    assert env.control("POST", "reset")["call_errors"] == {}


@pytest.mark.parametrize("bad", [{"+33612345678": 12345}, {"0612345678": 21215}, ["+33612345678"]])
def test_invalid_call_errors_are_refused(env: SimEnv, bad: Any) -> None:
    response = requests.post(f"{env.sim.base_url}/_sim/config", json={"call_errors": bad}, timeout=5)
    assert response.status_code == 400
    assert env.control("GET", "config")["call_errors"] == {}


def test_async_amd_true_as_a_python_bool_is_refused(env: SimEnv) -> None:
    with pytest.raises(TwilioRestException) as caught:
        env.call("+33600000003", machine_detection="Enable", async_amd=True)  # the SDK sends "True"
    assert (caught.value.status, caught.value.code) == (400, 21263)
    assert "'True'" in caught.value.msg
    assert env.control("GET", "calls") == []
    for value in ("TRUE", "1", "yes", ""):
        assert _raw_create(env, To="+33600000003", MachineDetection="Enable", AsyncAmd=value).status_code == 400


@pytest.mark.parametrize(("value", "background"), [("true", True), ("false", False)])
def test_async_amd_documented_values_are_accepted(env: SimEnv, value: str, background: bool) -> None:
    call = env.call(
        "+33600000003",
        machine_detection="Enable",
        async_amd=value,
        async_amd_status_callback=env.product.url("/amd"),
    )
    data = env.wait_final(call.sid)
    modes = [e["mode"] for e in data["events"] if e["type"] == "amd"]
    assert modes == ["async" if background else "sync"]
