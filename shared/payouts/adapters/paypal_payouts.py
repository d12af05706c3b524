"""PayPal Payouts v1 over REST with `requests` (imported in the methods: nothing slow at cold start), or
the local simulator (devtools/paypal_sim): one batch of one item per withdrawal, PayPal's own
verify-webhook-signature call, and an OAuth2 client-credentials token shared in the process until it expires.

Paying once: `sender_batch_id` and `sender_item_id` are the withdrawal id, so PayPal refuses a second batch
(USER_BUSINESS_ERROR linking the first one, which is then read and returned). `PayPal-Request-Id` is
`<withdrawal id>:<attempt>`: PayPal replays the answer saved for a known request id, so a retry after a 5xx,
a 429 or no answer takes the next attempt number, never a random one."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from shared.payouts.ports.rails import PayoutRecord, PayoutSent, PayPalPayouts, RailRefused, RailUnavailable

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

TOKEN_PATH = "/v1/oauth2/token"
PAYOUTS_PATH = "/v1/payments/payouts"
ITEM_PATH = "/v1/payments/payouts-item"
VERIFY_PATH = "/v1/notifications/verify-webhook-signature"
TOKEN_MARGIN_SECONDS = 60  # a token is fetched again this long before PayPal's `expires_in` runs out
FIRST_BACKOFF_SECONDS = 0.5  # the wait before the second try, doubled before each later one
BATCH_EMAIL = {"email_subject": "Your SOS-Expat payout", "email_message": "You have received a payout from SOS-Expat."}
#: PayPal currencies counted in whole units (minor unit = major unit); the others have two decimals
WHOLE_UNIT_CURRENCIES = frozenset({"JPY"})
#: PayPal wants whole units where ISO 4217 counts cents: not paid here rather than guessing the scale
UNHANDLED_CURRENCIES = frozenset({"HUF", "TWD"})
#: the verify-webhook-signature fields a delivery carries in its headers (`PAYPAL-AUTH-ALGO`...)
SIGNED_FIELDS = ("auth_algo", "cert_url", "transmission_id", "transmission_sig", "transmission_time")

#: (api_base, client_id) -> (access token, the time.monotonic() after which it is fetched again)
ACCESS_TOKENS: dict[tuple[str, str], tuple[str, float]] = {}


def _decimals(currency: str) -> int:
    if currency in UNHANDLED_CURRENCIES:
        raise RailRefused("UNSUPPORTED_CURRENCY", f"{currency} payouts by PayPal are not handled")
    return 0 if currency in WHOLE_UNIT_CURRENCIES else 2


def major_units(amount: int, currency: str) -> str:
    """`amount` minor units as PayPal's amount value: "60.00" for 6000 USD cents, "6000" for 6000 JPY."""
    return str(Decimal(amount).scaleb(-_decimals(currency.upper())))


def minor_units(value: str, currency: str) -> int:
    """PayPal's amount value ("60.00", "1,234.56", "6000" JPY) in minor units; ValueError if not whole."""
    scaled = Decimal(value.replace(",", "")).scaleb(_decimals(currency.upper()))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{value} {currency} is not a whole number of minor units")
    return int(scaled)


class HttpPayPalPayouts(PayPalPayouts):
    """PayPal Payouts for one REST app (`client_id`, `client_secret`) and its webhook (`webhook_id`) at
    `api_base` (https://api-m.paypal.com, the sandbox, or the simulator). Each call is tried up to
    `attempts` times on a 429, a 5xx or no answer within `timeout` seconds, waiting with `sleep` between
    tries, then raises RailUnavailable; a 401 drops the cached token and tries once with a new one."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        webhook_id: str,
        api_base: str,
        *,
        timeout: float = 15,
        attempts: int = 3,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client_id = client_id
        self._client_secret = client_secret
        self._webhook_id = webhook_id
        self._api_base = api_base.rstrip("/")
        self._timeout = timeout
        self._attempts = max(1, attempts)
        self._sleep = sleep
        self._session: requests.Session | None = None

    def send(self, *, withdrawal_id: str, receiver_email: str, amount: int, currency: str, note: str) -> PayoutSent:
        code = currency.upper()
        item = {
            "recipient_type": "EMAIL",
            "amount": {"value": major_units(amount, code), "currency": code},
            "receiver": receiver_email,
            "note": note,
            "sender_item_id": withdrawal_id,
        }
        header = {"sender_batch_id": withdrawal_id, "recipient_type": "EMAIL", **BATCH_EMAIL}
        body = {"sender_batch_header": header, "items": [item]}
        response = self._call("POST", PAYOUTS_PATH, body, request_id=withdrawal_id)
        answer = _json(response)
        if response.ok:
            batch_id = str((answer.get("batch_header") or {}).get("payout_batch_id") or "")
            if not batch_id:
                raise RailUnavailable(f"PayPal created a payout for {withdrawal_id} without a payout_batch_id")
            return self._item_of_batch(f"{PAYOUTS_PATH}/{quote(batch_id, safe='')}", withdrawal_id)
        original = _original_batch(answer)
        if original is not None:
            log.info("PayPal already has a batch for withdrawal %s: %s", withdrawal_id, original)
            return self._item_of_batch(original, withdrawal_id)
        raise _refusal(response, answer)

    def record(self, reference: str) -> PayoutRecord:
        response = self._call("GET", f"{ITEM_PATH}/{quote(reference, safe='')}")
        item = _json(response)
        if not response.ok:
            raise _refusal(response, item)
        status = str(item.get("transaction_status") or "")
        amount = (item.get("payout_item") or {}).get("amount") or {}
        try:
            currency = str(amount["currency"])
            minor = minor_units(str(amount["value"]), currency)
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            raise RailUnavailable(f"PayPal item {reference} has an unreadable amount {amount!r}") from exc
        return PayoutRecord(reference, status, status == "SUCCESS", minor, currency.lower())

    def verify_webhook(self, headers: Mapping[str, str], event: dict[str, Any]) -> bool:
        given = {name.lower(): value for name, value in headers.items()}
        fields = {field: given.get("paypal-" + field.replace("_", "-"), "") for field in SIGNED_FIELDS}
        if not all(fields.values()):
            log.warning("PayPal webhook delivery without %s: not genuine", [f for f, v in fields.items() if not v])
            return False
        body = {**fields, "webhook_id": self._webhook_id, "webhook_event": event}
        response = self._call("POST", VERIFY_PATH, body)
        if response.status_code == 400:
            log.warning("PayPal refused to verify a webhook delivery: %s", _json(response).get("details"))
            return False
        if not response.ok:
            raise RailUnavailable(f"PayPal POST {VERIFY_PATH}: HTTP {response.status_code}")
        return _json(response).get("verification_status") == "SUCCESS"

    def _item_of_batch(self, path: str, withdrawal_id: str) -> PayoutSent:
        """The withdrawal's item in a batch PayPal said exists (unreadable: RailUnavailable, as it is found again)."""
        response = self._call("GET", path)
        if not response.ok:
            raise RailUnavailable(f"PayPal GET {path}: HTTP {response.status_code}")
        for item in _json(response).get("items") or []:
            if (item.get("payout_item") or {}).get("sender_item_id") == withdrawal_id:
                return PayoutSent(reference=str(item["payout_item_id"]), status=str(item["transaction_status"]))
        raise RailUnavailable(f"PayPal batch {path} shows no item for withdrawal {withdrawal_id}")

    def _call(
        self, method: str, path: str, body: dict[str, Any] | None = None, *, request_id: str | None = None
    ) -> requests.Response:
        """An authenticated call answered with anything but a 429 or a 5xx within the tries."""
        import requests

        problem = ""
        for attempt in range(1, self._attempts + 1):
            if attempt > 1:
                self._sleep(FIRST_BACKOFF_SECONDS * 2 ** (attempt - 2))
            headers = {"PayPal-Request-Id": f"{request_id}:{attempt}"} if request_id is not None else {}
            try:
                response = self._authorized(method, path, body, headers)
            except requests.RequestException as exc:
                problem = type(exc).__name__
                continue
            if response.status_code != 429 and response.status_code < 500:
                return response
            problem = f"HTTP {response.status_code}"
        raise RailUnavailable(f"PayPal {method} {path}: {problem} after {self._attempts} tries")

    def _authorized(
        self, method: str, path: str, body: dict[str, Any] | None, headers: dict[str, str]
    ) -> requests.Response:
        for fresh in (False, True):
            bearer = {"Authorization": f"Bearer {self._token(fresh)}"}
            response = self._exchange(method, path, json=body, headers={**headers, **bearer})
            if response.status_code != 401:
                return response
        raise RailUnavailable(f"PayPal refused a new access token for {method} {path}")

    def _token(self, fresh: bool) -> str:
        import requests

        key = (self._api_base, self._client_id)
        if fresh:
            ACCESS_TOKENS.pop(key, None)
        cached = ACCESS_TOKENS.get(key)
        if cached is not None and time.monotonic() < cached[1]:
            return cached[0]
        response = self._exchange(
            "POST", TOKEN_PATH, auth=(self._client_id, self._client_secret), data={"grant_type": "client_credentials"}
        )
        if response.status_code == 429 or response.status_code >= 500:
            raise requests.HTTPError(f"PayPal token endpoint: HTTP {response.status_code}", response=response)
        answer = _json(response)
        if response.status_code != 200 or not answer.get("access_token"):
            log.error("PayPal refused the client credentials: HTTP %s %s", response.status_code, answer.get("error"))
            raise RailUnavailable(f"PayPal refused the client credentials: {answer.get('error_description')}")
        token = str(answer["access_token"])
        ACCESS_TOKENS[key] = (token, time.monotonic() + float(answer.get("expires_in") or 0) - TOKEN_MARGIN_SECONDS)
        return token

    def _exchange(self, method: str, path: str, **options: Any) -> requests.Response:
        """One HTTP request to PayPal, logged without the credentials or the token."""
        import requests

        if self._session is None:
            self._session = requests.Session()
        try:
            response = self._session.request(method, self._api_base + path, timeout=self._timeout, **options)
        except requests.RequestException as exc:
            log.warning("PayPal %s %s: no answer (%s)", method, path, type(exc).__name__)
            raise
        debug_id = response.headers.get("PayPal-Debug-Id")
        log.info("PayPal %s %s -> %s PayPal-Debug-Id=%s", method, path, response.status_code, debug_id)
        return response


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _original_batch(error: dict[str, Any]) -> str | None:
    """For PayPal's answer to a `sender_batch_id` it already has (USER_BUSINESS_ERROR on SENDER_BATCH_ID),
    the path of the batch it links to: only the path is kept, so the token goes to `api_base` alone.
    None for any other error."""
    named = [d for d in error.get("details") or [] if isinstance(d, dict) and d.get("field") == "SENDER_BATCH_ID"]
    if error.get("name") != "USER_BUSINESS_ERROR" or not named:
        return None
    for detail in named:
        links = detail.get("link")
        for link in [links] if isinstance(links, dict) else links or []:
            path = urlsplit(str(link.get("href") or "")).path if isinstance(link, dict) else ""
            if path.startswith(PAYOUTS_PATH + "/") and path.count("/") == 4:
                return path
    raise RailUnavailable("PayPal has a batch with this sender_batch_id but gave no link to it")


def _refusal(response: requests.Response, error: dict[str, Any]) -> RailRefused:
    name = str(error.get("name") or f"HTTP_{response.status_code}")
    message = str(error.get("message") or response.reason)
    details = error.get("details") or []
    issues = "; ".join(f"{d.get('field')}: {d.get('issue')}" for d in details if isinstance(d, dict))
    return RailRefused(name, f"{message} ({issues})" if issues else message)
