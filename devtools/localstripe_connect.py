"""Stripe Connect accounts (Express, as the product onboards its providers) on localstripe.

`POST /v1/accounts`, `GET /v1/accounts/{id}` and `GET /v1/accounts` answer Stripe's `account`
object at the pinned API version. Parameters are checked against the pinned SDK's
`AccountCreateParams` at any depth (`Received unknown parameter: individual[foo]`); those this
fake does not model (`controller`, `company`, `external_account`, `settings`...) are refused
as not implemented rather than ignored. A new account has not been onboarded:
`details_submitted`, `charges_enabled` and `payouts_enabled` are false, each requested capability
is `inactive`, and what onboarding collects is in `currently_due`, `eventually_due` and
`past_due` with `disabled_reason: requirements.past_due` (as Stripe answers for a fresh Express
account), less what the request prefilled (`business_type`, `individual[first_name]`...).
Stripe has no `account.created` event: creating an account emits nothing. An account id in the
path that is unknown answers Stripe's 403 `account_invalid` (Stripe does not tell a missing
account from one the key cannot reach). `country` defaults to `LOCALSTRIPE_PLATFORM_COUNTRY`
(default `US`), the platform's country, as Stripe defaults it.

Onboarding (Account Links, Login Links, the local controls that stand in for what the user does
on Stripe's pages, and `account.updated`): localstripe_connect_onboarding.
"""

from __future__ import annotations

import os
import re
import sys
import typing
from typing import Any

import stripe
from localstripe.errors import UserError
from localstripe.resources import StripeObject, random_id, store
from stripe._request_options import RequestOptions
from stripe.params._account_create_params import AccountCreateParams
from typing_extensions import is_typeddict

from devtools.localstripe_billing import as_bool, as_int, as_metadata, set_route
from devtools.localstripe_clock import now
from devtools.localstripe_events import unexpanded

Json = dict[str, Any]
PLATFORM_COUNTRY = os.environ.get("LOCALSTRIPE_PLATFORM_COUNTRY", "US")
EURO = "AT BE CY DE EE ES FI FR GR HR IE IT LT LU LV MT NL PT SI SK"
OTHER = "AE:aed AU:aud BG:bgn BR:brl CA:cad CH:chf CZ:czk DK:dkk GB:gbp GI:gbp HK:hkd HU:huf IN:inr JP:jpy "
OTHER += "LI:chf MX:mxn MY:myr NO:nok NZ:nzd PL:pln RO:ron SE:sek SG:sgd TH:thb US:usd"
CURRENCIES = {country: "eur" for country in EURO.split()} | dict(pair.split(":") for pair in OTHER.split())
"""Countries where accounts can be created here, and their default currency."""
TYPES = ("custom", "express", "standard")
BUSINESS_TYPES = ("company", "government_entity", "individual", "non_profit")
NOT_IMPLEMENTED = ("account_token", "company", "controller", "documents", "external_account", "groups", "settings")
PERSON_DUE: tuple[str, ...] = ("address.city", "address.line1", "address.postal_code", "dob.day", "dob.month")
PERSON_DUE += ("dob.year", "email", "first_name", "last_name", "phone")
COMMON_DUE: tuple[str, ...] = ("business_profile.mcc", "business_profile.url", "external_account")
COMMON_DUE += ("tos_acceptance.date", "tos_acceptance.ip")
COMPANY_DUE: tuple[str, ...] = ("company.address.city", "company.address.line1", "company.address.postal_code")
COMPANY_DUE += ("company.name", "company.phone", "company.tax_id")
"""What onboarding collects from a fresh account (a person's fields as `individual.` or `representative.`)."""
CONTROLLERS = {
    "express": ("application_express", "application", "stripe", "express"),
    "custom": ("application_custom", "application", "application", "none"),
    "standard": ("account", "stripe", "stripe", "full"),
}
"""What each account type is in controller properties: fee payer, losses, requirement collection, dashboard."""
DOB = ("day", "month", "year")
_NAMES = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def param_error(message: str, param: str, code: str | None = None) -> UserError:
    """Stripe's 400 `invalid_request_error` naming the parameter."""
    return UserError(400, message, {"param": param, **({"code": code} if code else {})})


def missing(param: str) -> UserError:
    """Stripe's refusal of a request without the required `param`."""
    return param_error(f"Missing required param: {param}.", param, "parameter_missing")


def one_of(param: str, value: Any, allowed: tuple[str, ...]) -> str:
    """`value` if Stripe's enum allows it, else Stripe's `Invalid x: must be one of a, b, or c`."""
    if value not in allowed:
        listed = ", ".join(allowed[:-1]) + ("," if len(allowed) > 2 else "") + f" or {allowed[-1]}"
        raise param_error(f"Invalid {param}: must be one of {listed}", param)
    return str(value)


def check_params(params: Json, schema: type, prefix: str = "") -> None:
    """Refuse a parameter the pinned SDK's params TypedDict `schema` does not declare, at any depth."""
    fields = schema.__annotations__
    namespace = vars(sys.modules[schema.__module__])
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else key
        if key not in fields or (not prefix and key in RequestOptions.__annotations__):
            raise param_error(f"Received unknown parameter: {name}", name, "parameter_unknown")
        nested = [namespace[n] for n in _NAMES.findall(repr(fields[key])) if is_typeddict(namespace.get(n))]
        if len(nested) != 1:  # a scalar, or a union of shapes (not told apart here)
            continue
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items):
            if isinstance(item, dict):
                check_params(item, nested[0], f"{name}[{index}]" if isinstance(value, list) else name)


def connected(id: str) -> Account:
    """The connected account `id`, or Stripe's answer for an account the key cannot reach."""
    account = store.get("account:" + id)
    if account is None:
        message = (
            f"The provided key does not have access to account '{id}' (or that account does not exist). "
            "Application access may have been revoked."
        )
        raise UserError(403, message, {"code": "account_invalid"})
    return typing.cast(Account, account)


def _provided(params: Json, path: str) -> bool:
    value: Any = params
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value not in (None, "")


def requirements(due: list[str]) -> Json:
    """An account's `requirements` (or `future_requirements`) with `due` to collect."""
    return {
        "alternatives": [],
        "current_deadline": None,
        "currently_due": list(due),
        "disabled_reason": "requirements.past_due" if due else None,
        "errors": [],
        "eventually_due": list(due),
        "past_due": list(due),
        "pending_verification": [],
    }


def _email(value: Any, param: str) -> Any:
    if value is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", str(value)):
        raise param_error(f"Invalid email address: {value}", param, "email_invalid")
    return value


def _object(value: Any, param: str) -> Json:
    if value in (None, ""):
        return {}
    if type(value) is not dict:
        raise param_error(f"Invalid object: {param}", param)
    return value


def _person(given: Json) -> Json:
    """The account's `individual` (its `account` is set with the account)."""
    dob = _object(given.get("dob"), "individual[dob]")
    address = _object(given.get("address"), "individual[address]")
    return {
        "id": "person_" + random_id(24),
        "object": "person",
        "address": {k: address.get(k) for k in ("city", "country", "line1", "line2", "postal_code", "state")},
        "created": now(),
        "dob": {k: None if dob.get(k) in (None, "") else as_int(dob[k], f"individual[dob][{k}]") for k in DOB},
        "email": _email(given.get("email"), "individual[email]"),
        "first_name": given.get("first_name"),
        "last_name": given.get("last_name"),
        "metadata": as_metadata(given.get("metadata")),
        "phone": given.get("phone"),
    }


def _capabilities(value: Any) -> Json:
    requested = {}
    for name, setting in _object(value, "capabilities").items():
        flag = _object(setting, f"capabilities[{name}]").get("requested", False)
        if as_bool(flag, f"capabilities[{name}][requested]"):
            requested[name] = "inactive"
    return requested


class Account(StripeObject):  # type: ignore[misc]
    object = "account"
    _id_prefix = "acct_"

    def __init__(self, type: str, country: str, params: Json, individual: Json | None, capabilities: Json) -> None:
        """A new account of `type` from checked create parameters (nothing here refuses)."""
        super().__init__()
        payer, losses, collection, dashboard = CONTROLLERS[type]
        business_type = params.get("business_type")
        if business_type is None:
            who = ("business_type", *("representative." + field for field in PERSON_DUE))
        elif business_type == "individual":
            who = tuple("individual." + field for field in PERSON_DUE)
        else:
            who = COMPANY_DUE + tuple("representative." + field for field in PERSON_DUE)
        self.type = type
        self.country = country
        self.default_currency = str(params.get("default_currency") or CURRENCIES[country]).lower()
        self.email = params.get("email")
        self.business_type = business_type
        profile = params.get("business_profile") or {}
        self.business_profile = {name: profile.get(name) for name in stripe.Account.BusinessProfile.__annotations__}
        self.capabilities = capabilities
        self.charges_enabled = self.payouts_enabled = self.details_submitted = False
        self.controller = {
            "fees": {"payer": payer},
            "is_controller": True,
            "losses": {"payments": losses},
            "requirement_collection": collection,
            "stripe_dashboard": {"type": dashboard},
            "type": "application",
        }
        url = f"/v1/accounts/{self.id}/external_accounts"
        self.external_accounts = {"object": "list", "data": [], "has_more": False, "url": url}
        if individual is not None:
            self.individual = {**individual, "account": self.id}
        self.metadata = as_metadata(params.get("metadata"))
        self.requirements = requirements(sorted(r for r in COMMON_DUE + who if not _provided(params, r)))
        self.future_requirements = requirements([])
        terms = params.get("tos_acceptance") or {}
        self.tos_acceptance = {name: terms.get(name) for name in ("date", "ip", "user_agent")}
        self.settings = {
            "branding": {"icon": None, "logo": None, "primary_color": None, "secondary_color": None},
            "card_payments": {"decline_on": {"avs_failure": False, "cvc_failure": False}},
            "dashboard": {"display_name": None, "timezone": "Etc/UTC"},
            "payments": {"statement_descriptor": None},
            "payouts": {"debit_negative_balances": True, "schedule": {"delay_days": 2, "interval": "daily"}},
        }

    def _export(self, expand: Any = None) -> Json:
        exported = StripeObject._export(self, expand=expand)
        exported.pop("livemode", None)  # an account has none
        return dict(unexpanded(exported, keep=tuple(expand or ())))


def _create(**params: Any) -> Account:
    check_params(params, AccountCreateParams)
    for name in NOT_IMPLEMENTED:
        if name in params:
            raise param_error(f"localstripe: `{name}` is not implemented for accounts", name)
    kind = one_of("type", params.get("type", "standard"), TYPES)
    country = str(params.get("country") or PLATFORM_COUNTRY).upper()
    if country not in CURRENCIES:
        message = f"Country '{country}' is unknown. Try using a 2-character alpha country code instead, "
        raise param_error(message + "such as 'US', 'EG', or 'GB'.", "country")
    if params.get("business_type") is not None:
        one_of("business_type", params["business_type"], BUSINESS_TYPES)
    for name in ("business_profile", "individual", "tos_acceptance"):
        _object(params.get(name), name)
    if params.get("individual") and params.get("business_type") != "individual":
        raise param_error("individual can only be provided when business_type is individual", "individual")
    capabilities = _capabilities(params.get("capabilities"))
    if kind == "custom" and not capabilities:
        raise missing("capabilities")
    if kind != "custom" and "tos_acceptance" in params:
        message = "You cannot accept the Terms of Service on behalf of Standard and Express connected accounts."
        raise param_error(message, "tos_acceptance")
    _email(params.get("email"), "email")
    individual = _person(params.get("individual") or {}) if params.get("business_type") == "individual" else None
    return Account(kind, country, params, individual, capabilities)


def refuse_unknown(given: Json) -> None:
    """For an endpoint that takes no parameter (but `expand`)."""
    for name in given:
        raise param_error(f"Received unknown parameter: {name}", name, "parameter_unknown")


def _retrieve(id: str, **query: Any) -> Account:
    refuse_unknown(query)
    return connected(id)


def _list(limit: Any = None, starting_after: Any = None, **query: Any) -> Any:
    refuse_unknown(query)
    return Account._api_list_all("/v1/accounts", limit=limit, starting_after=starting_after)


def register() -> None:
    """The accounts' routes (in `extra_apis`, before localstripe.server is imported)."""
    set_route("POST", "/v1/accounts", _create)
    set_route("GET", "/v1/accounts", _list)
    set_route("GET", "/v1/accounts/{id}", _retrieve)
