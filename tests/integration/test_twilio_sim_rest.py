"""REST subset through the official twilio client: shapes, errors, auth, SMS, CLI."""

from __future__ import annotations

import base64

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client
from twilio_sim_support import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    SimEnv,
    env_fixture,  # noqa: F401
    make_client,
    product_app_fixture,  # noqa: F401
    sim_server_fixture,  # noqa: F401
    wait_until,
)

from devtools.twilio_sim import SimulatorProcess

ROOMLESS_TWIML = "<Response><Say>Hello</Say><Pause length='600'/></Response>"


def test_client_recipe_create_fetch_update_list(env: SimEnv) -> None:
    client = env.client
    call = client.calls.create(
        to="+33612345678",
        from_="+33100000000",
        twiml=ROOMLESS_TWIML,
    )
    assert call.status == "queued"
    assert call.direction == "outbound-api"
    assert call.account_sid == ACCOUNT_SID
    assert call.uri == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{call.sid}.json"
    assert call.date_created is not None  # parsed from RFC 2822 by the client

    wait_until(lambda: client.calls(call.sid).fetch().status == "in-progress", what="answer")
    listed = client.calls.list(to="+33612345678")
    assert [c.sid for c in listed] == [call.sid]
    assert client.calls.list(status="completed") == []

    hung_up = client.calls(call.sid).update(status="completed")
    assert hung_up.status == "completed"
    fetched = client.calls(call.sid).fetch()
    assert fetched.status == "completed"
    assert fetched.end_time is not None
    assert int(fetched.duration) >= 1


def test_list_calls_follows_pages(env: SimEnv) -> None:
    sids = {env.client.calls.create(to="+33600000007", from_="+33100000000", twiml="<Response/>").sid for _ in range(5)}
    listed = env.client.calls.list(page_size=2)
    assert {c.sid for c in listed} == sids
    page = env.client.calls.page(page_size=2)
    assert len(list(page)) == 2
    assert page.next_page_url is not None
    assert page.next_page_url.startswith(env.sim.base_url)


def test_cancel_a_ringing_call(env: SimEnv) -> None:
    call = env.call("+33600000002")
    wait_until(lambda: env.client.calls(call.sid).fetch().status == "ringing", what="ringing")
    canceled = env.client.calls(call.sid).update(status="canceled")
    assert canceled.status == "canceled"
    env.wait_final(call.sid)
    assert env.product.statuses(call.sid) == ["initiated", "ringing", "canceled"]


def test_bad_to_number_is_21211(env: SimEnv) -> None:
    with pytest.raises(TwilioRestException) as caught:
        env.client.calls.create(to="0612345678", from_="+33100000000", url=env.product.url("/voice"))
    assert caught.value.status == 400
    assert caught.value.code == 21211
    raw = requests.post(
        f"{env.sim.base_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json",
        data={"To": "nope", "From": "+33100000000", "Url": "http://x/y"},
        auth=(ACCOUNT_SID, AUTH_TOKEN),
        timeout=5,
    )
    assert raw.status_code == 400
    assert raw.json() == {
        "code": 21211,
        "message": "The 'To' number nope is not a valid phone number.",
        "more_info": "https://www.twilio.com/docs/errors/21211",
        "status": 400,
    }


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"From": "+33100000000", "Url": "http://x/y"}, 21201),
        ({"To": "+33612345678", "Url": "http://x/y"}, 21213),
        ({"To": "+33612345678", "From": "12", "Url": "http://x/y"}, 21212),
        ({"To": "+33612345678", "From": "+33100000000"}, 21205),
    ],
)
def test_call_validation_errors(env: SimEnv, fields: dict[str, str], code: int) -> None:
    raw = requests.post(
        f"{env.sim.base_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json",
        data=fields,
        auth=(ACCOUNT_SID, AUTH_TOKEN),
        timeout=5,
    )
    assert raw.status_code == 400
    assert raw.json()["code"] == code


def test_bad_auth_is_20003(env: SimEnv) -> None:
    wrong = Client(ACCOUNT_SID, "wrong-token")
    wrong.api.base_url = env.sim.base_url
    with pytest.raises(TwilioRestException) as caught:
        wrong.calls.create(to="+33612345678", from_="+33100000000", twiml="<Response/>")
    assert caught.value.status == 401
    assert caught.value.code == 20003
    anonymous = requests.get(f"{env.sim.base_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json", timeout=5)
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"].startswith("Basic")
    assert anonymous.json()["code"] == 20003
    other = "AC" + "1" * 32
    token = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    foreign = requests.get(
        f"{env.sim.base_url}/2010-04-01/Accounts/{other}/Calls.json",
        headers={"Authorization": f"Basic {token}"},
        timeout=5,
    )
    assert foreign.status_code == 401


def test_unknown_resources_are_20404(env: SimEnv) -> None:
    with pytest.raises(TwilioRestException) as caught:
        env.client.calls("CA" + "0" * 32).fetch()
    assert caught.value.status == 404
    assert caught.value.code == 20404
    with pytest.raises(TwilioRestException) as caught:
        env.client.conferences("CF" + "0" * 32).participants("CA" + "0" * 32).fetch()
    assert caught.value.code == 20404


def test_updating_a_finished_call_is_21220(env: SimEnv) -> None:
    call = env.call("+33600000007")
    env.wait_final(call.sid)
    with pytest.raises(TwilioRestException) as caught:
        env.client.calls(call.sid).update(url=env.product.url("/redirected"))
    assert caught.value.code == 21220


def test_sms_is_recorded_and_reports_its_status(env: SimEnv) -> None:
    message = env.client.messages.create(
        to="+33612345678",
        from_="+33100000000",
        body="Your provider is on the way",
        status_callback=env.product.url("/sms-status"),
    )
    assert message.sid.startswith("SM")
    assert len(message.sid) == 34
    assert message.status == "queued"
    assert message.body == "Your provider is on the way"
    env.product.wait_for(lambda _: len(env.product.requests_to("/sms-status")) == 2, what="sms callbacks")
    statuses = [r["MessageStatus"] for r in env.product.requests_to("/sms-status")]
    assert statuses == ["sent", "delivered"]
    assert all(r.signature_valid for r in env.product.requests_to("/sms-status"))
    recorded = env.control("GET", "messages")
    assert [(m["to"], m["body"], m["status"]) for m in recorded] == [
        ("+33612345678", "Your provider is on the way", "delivered")
    ]
    assert env.client.messages(message.sid).fetch().status == "delivered"


def test_sms_with_messaging_service_and_errors(env: SimEnv) -> None:
    service = "MG" + "a" * 32
    message = env.client.messages.create(to="+33612345678", messaging_service_sid=service, body="hi")
    assert message.status == "accepted"
    assert message.messaging_service_sid == service
    with pytest.raises(TwilioRestException) as caught:
        env.client.messages.create(to="+33612345678", body="no sender")
    assert caught.value.code == 21603
    with pytest.raises(TwilioRestException) as caught:
        env.client.messages.create(to="012", from_="+33100000000", body="x")
    assert caught.value.code == 21211


def test_cli_subprocess_serves_the_client() -> None:
    with SimulatorProcess(speed=600) as process:
        health = process.health()
        assert health is not None
        assert health["speed"] == 600
        client = make_client(process.base_url)
        call = client.calls.create(to="+33600000007", from_="+33100000000", twiml="<Response/>")
        wait_until(lambda: client.calls(call.sid).fetch().status == "busy", what="busy")
        message = client.messages.create(to="+33612345678", from_="+33100000000", body="x")
        assert message.sid.startswith("SM")
    assert process.process is not None
    assert process.process.poll() is not None


def test_cancel_right_after_creation(env: SimEnv) -> None:
    call = env.call("+33600000001")
    canceled = env.client.calls(call.sid).update(status="canceled")
    assert canceled.status == "canceled"
    data = env.wait_final(call.sid)
    assert data["status"] == "canceled"
    assert "in-progress" not in data["statuses"]
    assert env.product.statuses(call.sid)[-1] == "canceled"
    assert env.product.requests_to("/voice", call.sid) == []


def test_a_call_is_priced_after_the_configured_delay(env: SimEnv) -> None:
    client = env.client
    env.configure(price_delay_seconds=3600)
    call = client.calls.create(to="+33612345678", from_="+33100000000", twiml=ROOMLESS_TWIML)
    wait_until(lambda: client.calls(call.sid).fetch().status == "in-progress", what="answer")
    client.calls(call.sid).update(status="completed")
    ended = client.calls(call.sid).fetch()
    assert int(ended.duration) >= 1 and ended.price is None  # Twilio has not priced it yet
    env.configure(price_delay_seconds=0)
    priced = client.calls(call.sid).fetch()
    assert float(priced.price) < 0 and priced.price_unit == "USD"
