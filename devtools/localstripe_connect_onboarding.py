"""Onboarding of Stripe Connect accounts on localstripe: Account Links, Login Links, and the local
controls that stand in for what the user does on Stripe's hosted pages.

- `POST /v1/account_links` (`account`, `type` required; `refresh_url`, `return_url`, `collect` or
  `collection_options` optional at the pinned version): a single-use link that expires 300 s after
  its creation. Its `url` (`<server>/_test/connect/onboarding/<token>`) is not a page: it answers
  what the link was made for, as JSON (with any `sk_` key). `account_update` links exist only for
  accounts whose platform collects the requirements (Custom): for Express and Standard accounts
  Stripe refuses them. An unknown `account` answers 404 `resource_missing`.
- `POST /v1/accounts/{id}/login_links`: the Express Dashboard link, which Stripe refuses for an
  account that is not Express or has not submitted its details.
- `POST /_test/accounts/{id}/requirements` (JSON or form; any subset of `currently_due`,
  `eventually_due`, `past_due`, `pending_verification`, `disabled_reason`, `current_deadline`,
  `details_submitted`, `charges_enabled`, `payouts_enabled`, and capability statuses such as
  `"transfers": "active"`): sets them as given, nothing is derived;
- `POST /_test/accounts/{id}/complete_onboarding`: nothing due, details submitted, charges and
  payouts enabled, every requested capability active, terms accepted.
A change emits `account.updated` (then `capability.updated` for each capability whose status
changed) with `previous_attributes` (nested objects by their changed keys, as Stripe sends them)
and, as Connect webhooks carry it, the connected account's id in the event's `account`. A control
that changes nothing emits nothing.
"""

from __future__ import annotations

import typing
from typing import Any
from urllib.parse import urlparse

import stripe
from localstripe.errors import UserError
from localstripe.resources import Event, random_id, store
from localstripe.webhooks import schedule_webhook
from stripe.params._account_link_create_params import AccountLinkCreateParams

from devtools.localstripe_billing import JsonAnswer, as_bool, as_int, public_url, set_route
from devtools.localstripe_clock import now
from devtools.localstripe_connect import (
    Account,
    Json,
    check_params,
    connected,
    missing,
    one_of,
    param_error,
    refuse_unknown,
    requirements,
)

LINK_LIFETIME_SECONDS = 300
LINK_TYPES = ("account_onboarding", "account_update")
COLLECT = ("currently_due", "eventually_due")
REQUIREMENT_LISTS = ("currently_due", "eventually_due", "past_due", "pending_verification")
FLAGS = ("details_submitted", "charges_enabled", "payouts_enabled")


def literals(annotation: Any) -> tuple[str, ...]:
    """The string values a pinned SDK field's `Literal[...]` allows."""
    found: list[str] = []
    for arg in typing.get_args(annotation):
        found += [arg] if isinstance(arg, str) else list(literals(arg))
    return tuple(found)


DISABLED_REASONS = literals(stripe.Account.Requirements.__annotations__["disabled_reason"])
CAPABILITY_STATUSES = literals(stripe.Account.Capabilities.__annotations__["transfers"])
CAPABILITIES = tuple(stripe.Account.Capabilities.__annotations__)


def _url(params: Json, name: str) -> None:
    if name in params:
        parsed = urlparse(str(params[name]))
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise param_error("Not a valid URL", name, "url_invalid")


def _create_link(**params: Any) -> JsonAnswer:
    check_params(params, AccountLinkCreateParams)
    for name in sorted(AccountLinkCreateParams.__required_keys__):
        if params.get(name) in (None, ""):
            raise missing(name)
    account = store.get("account:" + str(params["account"]))
    if account is None:
        missing_account = {"param": "account", "code": "resource_missing"}
        raise UserError(404, f"No such account: '{params['account']}'", missing_account)
    kind = one_of("type", params["type"], LINK_TYPES)
    if kind == "account_update" and account.type != "custom":
        message = "You cannot create `account_update` type Account Links for this account. "
        raise param_error(message + 'Valid types for this account are ["account_onboarding"].', "type")
    _url(params, "refresh_url")
    _url(params, "return_url")
    if "collect" in params and "collection_options" in params:
        raise param_error("You may only specify one of these parameters: collect, collection_options.", "collect")
    if "collect" in params:
        one_of("collect", params["collect"], COLLECT)
    options = params.get("collection_options") or {}
    if "fields" in options:
        one_of("collection_options[fields]", options["fields"], COLLECT)
    if "future_requirements" in options:
        one_of("collection_options[future_requirements]", options["future_requirements"], ("include", "omit"))
    token, created = random_id(32), now()
    link = {"object": "account_link", "created": created, "expires_at": created + LINK_LIFETIME_SECONDS}
    link["url"] = f"{public_url()}/_test/connect/onboarding/{token}"
    store["account_link:" + token] = JsonAnswer(
        {
            **link,
            "object": "local_account_link",
            "account": account.id,
            "type": kind,
            "refresh_url": params.get("refresh_url"),
            "return_url": params.get("return_url"),
            "collect": params.get("collect") or options.get("fields") or "currently_due",
        }
    )
    return JsonAnswer(link)


def _onboarding_page(id: str, **query: Any) -> JsonAnswer:
    """What an Account Link's url was made for (there is no hosted onboarding page here)."""
    refuse_unknown(query)
    link = store.get("account_link:" + id)
    if link is None:
        raise UserError(404, f"No such account link: '{id}'")
    return JsonAnswer({**link.body, "expired": now() >= link.body["expires_at"]})


def _login_link(id: str, **params: Any) -> JsonAnswer:
    refuse_unknown(params)
    account = connected(id)
    if account.type != "express":
        raise UserError(400, f"Cannot create an edit link for the account {id}, which is not an Express account.")
    if not account.details_submitted:
        raise UserError(400, "Cannot create a login link for an account that has not completed onboarding.")
    url = f"{public_url()}/_test/connect/express/{id}/{random_id(12)}"
    return JsonAnswer({"object": "login_link", "created": now(), "url": url})


def changes(before: Json, after: Json) -> Json:
    """Stripe's `previous_attributes`: the old values of what changed, nested objects by their changed keys."""
    previous: Json = {}
    for key, value in after.items():
        old = before.get(key)
        if old != value:
            previous[key] = changes(old, value) if isinstance(old, dict) and isinstance(value, dict) else old
    return previous


def emit_connect(type: str, obj: Any, account: str, previous: Json | None = None) -> Event:
    """An event on the connected account `account` (Connect webhooks carry its id in `account`)."""
    event = Event(type, obj)
    event.account = account
    if previous:
        event.data["previous_attributes"] = previous
    schedule_webhook(event)
    return event


def _capability(account: Account, name: str) -> JsonAnswer:
    """A capability of `account` as Stripe renders it (in `capability.updated`)."""
    status, reason = account.capabilities[name], account.requirements["disabled_reason"]
    return JsonAnswer(
        {
            "id": name,
            "object": "capability",
            "account": account.id,
            "future_requirements": requirements([]),
            "requested": True,
            "requested_at": account.created,
            "requirements": {**account.requirements, "disabled_reason": None if status == "active" else reason},
            "status": status,
        }
    )


def _announce(account: Account, before: Json) -> None:
    previous = changes(before, account._export())
    if not previous:
        return
    emit_connect("account.updated", account, account.id, previous)
    for name, status in account.capabilities.items():
        old = before["capabilities"].get(name)
        if old != status:
            emit_connect("capability.updated", _capability(account, name), account.id, {"status": old})


def _update(key: str, value: Any) -> tuple[str, str | None, Any]:
    """One change of the requirements control: (attribute, key in it or None, new value)."""
    if key in REQUIREMENT_LISTS:
        items = [] if value in (None, "") else value
        if type(items) is not list or not all(isinstance(item, str) for item in items):
            raise param_error(f"Invalid array: {key}", key)
        return "requirements", key, items
    if key == "disabled_reason":
        return "requirements", key, None if value in (None, "") else one_of(key, value, DISABLED_REASONS)
    if key == "current_deadline":
        return "requirements", key, None if value in (None, "") else as_int(value, key)
    if key in FLAGS:
        return key, None, as_bool(value, key)
    if key in CAPABILITIES:
        return "capabilities", key, one_of(key, value, CAPABILITY_STATUSES)
    raise param_error(f"Received unknown parameter: {key}", key, "parameter_unknown")


def _set_requirements(id: str, **given: Any) -> Account:
    account = connected(id)
    updates = [_update(key, value) for key, value in given.items()]  # all checked before anything changes
    before = account._export()
    for attribute, key, value in updates:
        if key is None:
            setattr(account, attribute, value)
        else:
            getattr(account, attribute)[key] = value
    _announce(account, before)
    return account


def _complete_onboarding(id: str, **given: Any) -> Account:
    refuse_unknown(given)
    account = connected(id)
    before = account._export()
    account.requirements = requirements([])
    account.details_submitted = account.charges_enabled = account.payouts_enabled = True
    account.capabilities = dict.fromkeys(account.capabilities, "active")
    account.tos_acceptance = {**account.tos_acceptance, "date": now(), "ip": "127.0.0.1"}
    _announce(account, before)
    return account


def register() -> None:
    """Routes; needs localstripe_connect's accounts (registered by devtools.localstripe_ext)."""
    set_route("POST", "/v1/account_links", _create_link)
    set_route("GET", "/_test/connect/onboarding/{id}", _onboarding_page)
    set_route("POST", "/v1/accounts/{id}/login_links", _login_link)
    set_route("POST", "/_test/accounts/{id}/requirements", _set_requirements)
    set_route("POST", "/_test/accounts/{id}/complete_onboarding", _complete_onboarding)
