"""The Telegram Bot API simulator (``devtools.telegram_sim``), served in-process, with a
tiny webhook receiver standing in for the backend: Bot API answers worded as
Telegram words them, deep links delivered with the secret header, retries, replays,
forged secrets and the control API's checks. Every wait is on a condition or on the
control API's own wait, never a sleep."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from aiohttp import web

from devtools.telegram_sim import (
    DEFAULT_PORT,
    DEFAULT_TOKEN,
    DEFAULT_USERNAME,
    AppThread,
    DeliveryPolicy,
    SimulatorThread,
)
from devtools.telegram_sim.__main__ import build_simulator, parse_args

SECRET = "sos-expat_local-webhook-SECRET_01"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_PATH = "/telegram/webhook"
POLICY = DeliveryPolicy(max_attempts=4, first_retry_delay=0.01, max_retry_delay=0.05, request_timeout=5)
BOT_ID = int(DEFAULT_TOKEN.split(":")[0])


@dataclass
class Received:
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def update_id(self) -> int:
        return int(self.body["update_id"])


class WebhookReceiver:
    """The backend's webhook endpoint, reduced to what the tests look at: it records
    every POST and answers the statuses queued in ``answers`` (then 200). With
    ``expected_secret`` it refuses (401) a request whose secret header differs, as the
    backend must."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.answers: list[int] = []
        self.expected_secret: str | None = None
        #: the body of every 2xx answer (a Bot API call, e.g. ``{"method": "sendMessage", ...}``)
        self.reply: dict[str, Any] = {}
        self._cond = threading.Condition()
        self.server = AppThread(self._make_app)

    @property
    def url(self) -> str:
        return f"{self.server.base_url}{WEBHOOK_PATH}"

    def clear(self) -> None:
        with self._cond:
            self.received.clear()
            self.answers.clear()
            self.expected_secret = None
            self.reply = {}

    def _make_app(self) -> web.Application:
        app = web.Application()
        app.router.add_post(WEBHOOK_PATH, self._handle)
        return app

    async def _handle(self, request: web.Request) -> web.Response:
        record = Received(headers=dict(request.headers), body=await request.json())
        with self._cond:
            self.received.append(record)
            status = self.answers.pop(0) if self.answers else 200
            if self.expected_secret is not None and record.headers.get(SECRET_HEADER) != self.expected_secret:
                status = 401
            self._cond.notify_all()
        return web.json_response(self.reply if status < 300 else {}, status=status)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """The first ``count`` requests, once they arrived."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.received) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"waited for {count} webhook requests, got {len(self.received)}")
                self._cond.wait(remaining)
            return list(self.received)


class Telegram:
    """Calls to the simulator: its Bot API and its control API."""

    def __init__(self, sim: SimulatorThread, receiver: WebhookReceiver) -> None:
        self.sim = sim
        self.receiver = receiver

    def bot(self, method: str, token: str = DEFAULT_TOKEN, **params: Any) -> requests.Response:
        return requests.post(f"{self.sim.base_url}/bot{token}/{method}", json=params, timeout=10)

    def control(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        response = requests.request(method, f"{self.sim.base_url}/_control/{path}", json=body, timeout=20)
        assert response.status_code == status, response.text
        return response.json()

    def set_webhook(self, **params: Any) -> None:
        answer = self.bot("setWebhook", url=self.receiver.url, **params).json()
        assert answer == {"ok": True, "result": True, "description": "Webhook was set"}

    def user(self, **fields: Any) -> dict[str, Any]:
        body = {"id": 424242, "first_name": "Amina", "last_name": "Diallo", "username": "amina_d"}
        body.update(fields)
        created: dict[str, Any] = self.control("POST", "users", body, status=201)
        return created

    def start(self, user_id: int, payload: str | None, wait: str = "attempt") -> dict[str, Any]:
        outcome: dict[str, Any] = self.control("POST", f"users/{user_id}/start?wait={wait}", {"payload": payload})
        return outcome


def _error(response: requests.Response, code: int, description: str) -> None:
    assert response.status_code == code
    assert response.json() == {"ok": False, "error_code": code, "description": description}


@pytest.fixture(scope="module")
def sim_server() -> Iterator[SimulatorThread]:
    with SimulatorThread(policy=POLICY) as sim:
        yield sim


@pytest.fixture(scope="module")
def receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    with receiver.server:
        yield receiver


@pytest.fixture
def telegram(sim_server: SimulatorThread, receiver: WebhookReceiver) -> Iterator[Telegram]:
    env = Telegram(sim_server, receiver)
    env.control("POST", "reset")
    receiver.clear()
    yield env
    env.control("POST", "reset")


# -- Bot API ------------------------------------------------------------------------------
def test_get_me_describes_the_bot_over_get_and_post(telegram: Telegram) -> None:
    by_get = requests.get(f"{telegram.sim.bot_url}/getMe", timeout=10).json()
    assert by_get["ok"] is True
    me = by_get["result"]
    assert me["id"] == BOT_ID and me["is_bot"] is True and me["username"] == DEFAULT_USERNAME
    assert telegram.bot("GETME").json() == by_get  # method names are case-insensitive


def test_a_wrong_token_and_an_unknown_method_are_refused(telegram: Telegram) -> None:
    _error(telegram.bot("getMe", token="654321:not-the-token"), 401, "Unauthorized")
    _error(telegram.bot("sendMessage", token="garbage"), 401, "Unauthorized")
    _error(telegram.bot("getChatHistoryPlease"), 404, "Not Found")
    _error(requests.get(f"{telegram.sim.base_url}/anything", timeout=10), 404, "Not Found")


@pytest.mark.parametrize(
    ("params", "description"),
    [
        ({"url": "http://example.com/hook"}, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"),
        (
            {"url": "https://example.com:8080/hook"},
            "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443",
        ),
        ({"url": "ftp://example.com/hook"}, "Bad Request: invalid webhook URL specified"),
        ({"secret_token": "has a space"}, "Bad Request: secret token contains unallowed characters"),
        ({"secret_token": "s3cr3t:"}, "Bad Request: secret token contains unallowed characters"),
        ({"secret_token": "a" * 257}, "Bad Request: secret token is too long"),
    ],
)
def test_set_webhook_refuses_what_telegram_refuses(
    telegram: Telegram, params: dict[str, str], description: str
) -> None:
    _error(telegram.bot("setWebhook", **{"url": telegram.receiver.url, **params}), 400, description)
    assert telegram.bot("getWebhookInfo").json()["result"]["url"] == ""


def test_set_webhook_accepts_a_local_http_url_and_reports_it(telegram: Telegram) -> None:
    telegram.set_webhook(secret_token="a" * 256, allowed_updates=["message"])
    again = telegram.bot("setWebhook", url=telegram.receiver.url, secret_token="a" * 256).json()
    assert again == {"ok": True, "result": True, "description": "Webhook is already set"}
    info = telegram.bot("getWebhookInfo").json()["result"]
    assert info["url"] == telegram.receiver.url
    assert info["pending_update_count"] == 0 and info["has_custom_certificate"] is False
    assert info["allowed_updates"] == ["message"]
    assert "last_error_date" not in info
    # a refused change leaves the bot without a webhook, as on Telegram
    refused = telegram.bot("setWebhook", url="http://example.com/x")
    _error(refused, 400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
    assert telegram.bot("getWebhookInfo").json()["result"]["url"] == ""
    form = requests.post(f"{telegram.sim.bot_url}/setWebhook", data={"url": telegram.receiver.url}, timeout=10)
    assert form.json()["description"] == "Webhook was set"
    deleted = telegram.bot("deleteWebhook", drop_pending_updates=True).json()
    assert deleted == {"ok": True, "result": True, "description": "Webhook was deleted"}


# -- updates --------------------------------------------------------------------------------
def test_a_start_deep_link_is_delivered_with_the_secret_header(telegram: Telegram) -> None:
    telegram.set_webhook(secret_token=SECRET)
    telegram.user(id=777001, language_code="fr")
    outcome = telegram.start(777001, "aff_Ab-12_x")
    assert outcome["status"] == 200 and outcome["delivery"]["state"] == "delivered"
    assert outcome["start_link"] == f"https://t.me/{DEFAULT_USERNAME}?start=aff_Ab-12_x"
    (request,) = telegram.receiver.wait_for(1)
    assert request.headers[SECRET_HEADER] == SECRET
    assert request.headers["Content-Type"] == "application/json"
    assert "User-Agent" not in request.headers
    message = request.body["message"]
    assert set(request.body) == {"update_id", "message"} and request.update_id == outcome["update"]["update_id"]
    assert isinstance(message["message_id"], int) and isinstance(message["date"], int)
    assert message["from"] == {
        "id": 777001,
        "is_bot": False,
        "first_name": "Amina",
        "last_name": "Diallo",
        "username": "amina_d",
        "language_code": "fr",
    }
    assert message["chat"] == {
        "id": 777001,
        "first_name": "Amina",
        "last_name": "Diallo",
        "username": "amina_d",
        "type": "private",
    }
    assert message["text"] == "/start aff_Ab-12_x"
    assert message["entities"] == [{"offset": 0, "length": 6, "type": "bot_command"}]


def test_send_message_is_recorded_and_an_unknown_chat_is_refused(telegram: Telegram) -> None:
    telegram.set_webhook()
    user = telegram.user()["user"]
    not_started = telegram.bot("sendMessage", chat_id=user["id"], text="hi")
    _error(not_started, 403, "Forbidden: bot can't initiate conversation with a user")
    telegram.start(user["id"], None)
    sent = telegram.bot("sendMessage", chat_id=user["id"], text="Votre compte est lié ✅").json()
    assert sent["ok"] is True
    message = sent["result"]
    assert message["chat"]["id"] == user["id"] and message["chat"]["type"] == "private"
    assert message["from"]["id"] == BOT_ID and message["from"]["is_bot"] is True
    assert message["text"] == "Votre compte est lié ✅" and isinstance(message["date"], int)
    recorded = telegram.control("GET", f"messages?chat_id={user['id']}")
    assert [m["message_id"] for m in recorded] == [message["message_id"]]
    assert recorded[0]["text"] == message["text"] and recorded[0]["via"] == "bot_api"
    assert telegram.control("GET", "messages?chat_id=1") == []

    _error(telegram.bot("sendMessage", chat_id=999999, text="hi"), 400, "Bad Request: chat not found")
    _error(telegram.bot("sendMessage", chat_id="@amina_d", text="hi"), 400, "Bad Request: chat not found")
    _error(telegram.bot("sendMessage", text="hi"), 400, "Bad Request: chat_id is empty")
    _error(telegram.bot("sendMessage", chat_id=user["id"], text=""), 400, "Bad Request: message text is empty")
    _error(telegram.bot("sendMessage", chat_id=user["id"], text="x" * 4097), 400, "Bad Request: message is too long")
    _error(
        telegram.bot("sendMessage", chat_id=user["id"], text="hi", parse_mode="BBCode"),
        400,
        "Bad Request: unsupported parse_mode",
    )
    assert len(telegram.control("GET", "messages")) == 1


def test_markup_is_parsed_as_telegram_parses_it(telegram: Telegram) -> None:
    user = telegram.user()["user"]
    telegram.start(user["id"], None)
    html = telegram.bot("sendMessage", chat_id=user["id"], text="<b>Paid</b> 10 &lt; 20", parse_mode="HTML")
    assert html.json()["result"]["text"] == "Paid 10 < 20"
    assert html.json()["result"]["entities"] == [{"offset": 0, "length": 4, "type": "bold"}]
    _error(
        telegram.bot("sendMessage", chat_id=user["id"], text="use <id> here", parse_mode="HTML"),
        400,
        'Bad Request: can\'t parse entities: Unsupported start tag "id" at byte offset 4',
    )
    _error(
        telegram.bot("sendMessage", chat_id=user["id"], text="Total: 10.50", parse_mode="MarkdownV2"),
        400,
        "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'",
    )
    escaped = telegram.bot("sendMessage", chat_id=user["id"], text="*Total:* 10\\.50", parse_mode="MarkdownV2")
    assert escaped.json()["result"]["text"] == "Total: 10.50"


def test_a_refused_update_is_retried_then_delivered_in_order(telegram: Telegram) -> None:
    telegram.set_webhook(secret_token=SECRET)
    telegram.receiver.answers = [500]
    user = telegram.user()["user"]
    first = telegram.start(user["id"], "retry-me")
    assert first["status"] == 500 and first["delivery"]["state"] == "pending"
    assert first["delivery"]["last_error"] == "Wrong response from the webhook: 500 Internal Server Error"
    second = telegram.control("POST", f"users/{user['id']}/messages?wait=final", {"text": "hello"})
    assert second["status"] == 200 and second["delivery"]["state"] == "delivered"

    ids = [r.update_id for r in telegram.receiver.wait_for(3)]
    first_id, second_id = first["update"]["update_id"], second["update"]["update_id"]
    assert ids == [first_id, first_id, second_id] and second_id > first_id
    deliveries = {d["update_id"]: d for d in telegram.control("GET", "deliveries")}
    assert deliveries[first_id]["attempts"] == 2 and deliveries[first_id]["last_status"] == 200
    assert [a["status"] for a in deliveries[first_id]["history"]] == [500, 200]
    info = telegram.bot("getWebhookInfo").json()["result"]
    assert info["pending_update_count"] == 0
    assert info["last_error_message"] == "Wrong response from the webhook: 500 Internal Server Error"
    assert isinstance(info["last_error_date"], int)


def test_an_update_is_dropped_after_the_last_attempt(telegram: Telegram) -> None:
    telegram.set_webhook()
    telegram.receiver.answers = [503] * POLICY.max_attempts
    user = telegram.user()["user"]
    outcome = telegram.start(user["id"], "never", wait="final")
    assert outcome["delivery"]["state"] == "dropped"
    assert outcome["delivery"]["attempts"] == POLICY.max_attempts and outcome["status"] == 503


def test_replay_delivers_the_same_update_id_twice(telegram: Telegram) -> None:
    telegram.set_webhook(secret_token=SECRET)
    user = telegram.user()["user"]
    original = telegram.start(user["id"], "link-once")
    update_id = original["update"]["update_id"]
    replayed = telegram.control("POST", f"updates/{update_id}/replay")
    assert replayed["status"] == 200 and replayed["delivery"]["duplicate"] is True
    first, second = telegram.receiver.wait_for(2)
    assert first.update_id == second.update_id == update_id
    assert first.body == second.body and second.headers[SECRET_HEADER] == SECRET
    telegram.control("POST", "updates/1/replay", status=404)


@pytest.mark.parametrize(
    ("fault", "header"),
    [({"secret_token": "forged"}, "forged"), ({"omit_secret": True}, None)],
)
def test_a_forged_or_missing_secret_is_refused_by_the_backend(
    telegram: Telegram, fault: dict[str, Any], header: str | None
) -> None:
    telegram.set_webhook(secret_token=SECRET)
    telegram.receiver.expected_secret = SECRET
    user = telegram.user()["user"]
    telegram.control("POST", "faults", fault)
    outcome = telegram.start(user["id"], "tampered")
    assert outcome["status"] == 401
    assert outcome["delivery"]["fault"] == ("omitted_secret" if header is None else "forged_secret")
    forged, genuine = telegram.receiver.wait_for(2)
    assert forged.headers.get(SECRET_HEADER) == header
    assert genuine.headers[SECRET_HEADER] == SECRET and genuine.update_id == forged.update_id
    assert telegram.control("GET", "faults") == {"armed": None}
    telegram.control("POST", "faults", {"secret_token": "x", "omit_secret": True}, status=400)


@pytest.mark.parametrize("payload", ["", "a" * 65, "has space", "café", "a/b", 12345])
def test_the_control_api_refuses_a_payload_telegram_would_not_carry(telegram: Telegram, payload: Any) -> None:
    telegram.set_webhook()
    user = telegram.user()["user"]
    answer = telegram.control("POST", f"users/{user['id']}/start", {"payload": payload}, status=400)
    assert "payload" in answer["error"]
    assert telegram.control("GET", "updates") == []
    assert telegram.receiver.received == []


def test_get_updates_serves_the_queue_only_without_a_webhook(telegram: Telegram) -> None:
    user = telegram.user()["user"]
    queued = telegram.start(user["id"], "polled")
    assert queued["waited"] == "none" and queued["delivery"]["state"] == "pending"
    (update,) = telegram.bot("getUpdates").json()["result"]
    assert update["update_id"] == queued["update"]["update_id"]
    assert telegram.bot("getUpdates", offset=update["update_id"] + 1).json()["result"] == []
    telegram.set_webhook()
    _error(
        telegram.bot("getUpdates"),
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
    )


def test_a_method_in_the_webhook_answer_is_run(telegram: Telegram) -> None:
    telegram.set_webhook()
    user = telegram.user()["user"]
    telegram.receiver.reply = {"method": "sendMessage", "chat_id": user["id"], "text": "Bienvenue !"}
    outcome = telegram.start(user["id"], None)
    assert outcome["delivery"]["history"][0]["reply"] == {"method": "sendMessage", "ok": True}
    (sent,) = telegram.control("GET", f"messages?chat_id={user['id']}")
    assert sent["text"] == "Bienvenue !" and sent["via"] == "webhook_reply"


def test_pending_updates_can_be_dropped_and_a_blocked_user_refuses_messages(telegram: Telegram) -> None:
    user = telegram.user()["user"]
    telegram.start(user["id"], None)  # queued: no webhook yet
    assert telegram.bot("getWebhookInfo").json()["result"]["pending_update_count"] == 1
    telegram.bot("setWebhook", url=telegram.receiver.url, drop_pending_updates=True)
    assert telegram.bot("getWebhookInfo").json()["result"]["pending_update_count"] == 0
    assert [d["state"] for d in telegram.control("GET", "deliveries")] == ["dropped"]
    telegram.control("POST", f"users/{user['id']}/block")
    _error(telegram.bot("sendMessage", chat_id=user["id"], text="hi"), 403, "Forbidden: bot was blocked by the user")
    telegram.control("POST", f"users/{user['id']}/messages", {"text": "hi"}, status=409)
    assert telegram.receiver.received == []


def test_cli_defaults_match_the_package_constants() -> None:
    args = parse_args([])
    assert (args.host, args.port, args.token, args.username) == (
        "127.0.0.1",
        DEFAULT_PORT,
        DEFAULT_TOKEN,
        DEFAULT_USERNAME,
    )
    assert DEFAULT_PORT == 8440 and DEFAULT_TOKEN == "123456:local-telegram-bot-token"
    assert build_simulator(parse_args(["--retry-delay", "0.5"])).policy.first_retry_delay == 0.5
    with pytest.raises(ValueError):
        build_simulator(parse_args(["--token", "no-colon"]))
