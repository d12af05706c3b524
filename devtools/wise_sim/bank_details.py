"""Recipient account checks, as ``POST /v1/accounts`` makes them.

Three recipient types are modelled, each with the ``details`` Wise requires:

* ``iban`` (EUR, CHF, DKK, GBP, NOK, PLN, SEK): ``IBAN`` with its country's length and a
  valid ISO 13616 mod-97 check, ``BIC`` optional (8 or 11 characters);
* ``sort_code`` (GBP): ``sortCode`` of 6 digits and ``accountNumber`` of 8 digits;
* ``aba`` (USD): ``abartn`` (9 digits, ABA checksum), ``accountNumber`` (4 to 17 digits),
  ``accountType`` ``CHECKING``/``SAVINGS`` and ``address`` (``country``, ``city``,
  ``postCode``, ``firstLine``).

Every type needs ``details.legalType`` (``PRIVATE``/``BUSINESS``) and an
``accountHolderName`` following Wise's rules: a person's name has a first and a last name
of at least two letters each and no digits; a business name is more than one character.
All problems are reported together, as ``NOT_VALID`` errors naming the field.
"""

from __future__ import annotations

import re
from typing import Any

from devtools.wise_sim.errors import field_error

RECIPIENT_TYPES: dict[str, tuple[str, ...]] = {
    "iban": ("EUR", "CHF", "DKK", "GBP", "NOK", "PLN", "SEK"),
    "sort_code": ("GBP",),
    "aba": ("USD",),
}
LEGAL_TYPES = ("PRIVATE", "BUSINESS")
ACCOUNT_TYPES = ("CHECKING", "SAVINGS")
#: IBAN length per country (ISO 13616 registry), for the countries a payout is likely to reach
IBAN_LENGTHS: dict[str, int] = {
    "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "EE": 20,
    "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IT": 27,
    "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25,
    "RO": 24, "SE": 24, "SI": 19, "SK": 24, "MA": 28, "SN": 28, "CI": 28, "TN": 24, "LB": 28,
}  # fmt: skip
_BIC = re.compile(r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$")
_SPACES = re.compile(r"[\s-]")


def normalise_iban(value: str) -> str:
    return _SPACES.sub("", value).upper()


def iban_is_valid(value: str) -> bool:
    """Country length and the mod-97 check of ISO 13616 (remainder 1)."""
    iban = normalise_iban(value)
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]+", iban):
        return False
    if IBAN_LENGTHS.get(iban[:2]) != len(iban):
        return False
    rearranged = iban[4:] + iban[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(digits) % 97 == 1


def aba_is_valid(value: str) -> bool:
    """ABA routing number checksum: 3-7-1 weights, sum divisible by 10."""
    if not re.fullmatch(r"\d{9}", value):
        return False
    weights = (3, 7, 1) * 3
    return sum(int(d) * w for d, w in zip(value, weights, strict=True)) % 10 == 0


def holder_name_is_valid(name: str, legal_type: str) -> bool:
    name = name.strip()
    if legal_type == "BUSINESS":
        return len(name.replace(" ", "")) > 1
    parts = name.split()
    no_digits = not any(ch.isdigit() for ch in name)
    return no_digits and len(parts) >= 2 and len(parts[0]) >= 2 and len(parts[-1]) >= 2


def _text(details: dict[str, Any], key: str) -> str | None:
    value = details.get(key)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _invalid(path: str, message: str, value: Any = None) -> dict[str, Any]:
    arguments = [path] if value is None else [path, value]
    return field_error("NOT_VALID", message, path, arguments)


def _iban_errors(details: dict[str, Any]) -> list[dict[str, Any]]:
    errors = []
    iban = _text(details, "IBAN") or _text(details, "iban")
    if iban is None:
        errors.append(_invalid("IBAN", "Please specify an IBAN."))
    elif not iban_is_valid(iban):
        errors.append(_invalid("IBAN", "Please specify a valid IBAN.", iban))
    bic = _text(details, "BIC") or _text(details, "bic")
    if bic is not None and not _BIC.match(bic.upper()):
        errors.append(_invalid("BIC", "Please specify a valid BIC/SWIFT code.", bic))
    return errors


def _sort_code_errors(details: dict[str, Any]) -> list[dict[str, Any]]:
    errors = []
    sort_code = (_text(details, "sortCode") or "").replace("-", "").replace(" ", "")
    if not re.fullmatch(r"\d{6}", sort_code):
        errors.append(_invalid("sortCode", "Please specify a valid sort code.", details.get("sortCode")))
    if not re.fullmatch(r"\d{8}", _text(details, "accountNumber") or ""):
        errors.append(_invalid("accountNumber", "Please specify a valid account number.", details.get("accountNumber")))
    return errors


def _aba_errors(details: dict[str, Any]) -> list[dict[str, Any]]:
    errors = []
    if not aba_is_valid(_text(details, "abartn") or ""):
        errors.append(_invalid("abartn", "Please specify a valid routing number.", details.get("abartn")))
    if not re.fullmatch(r"\d{4,17}", _text(details, "accountNumber") or ""):
        errors.append(_invalid("accountNumber", "Please specify a valid account number.", details.get("accountNumber")))
    if details.get("accountType") not in ACCOUNT_TYPES:
        errors.append(_invalid("accountType", "Please select an account type.", details.get("accountType")))
    address = details.get("address")
    address = address if isinstance(address, dict) else {}
    for key in ("country", "city", "postCode", "firstLine"):
        if _text(address, key) is None:
            errors.append(_invalid(f"address.{key}", "Please specify the recipient's address.", None))
    return errors


def recipient_errors(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Everything wrong with a create-recipient body (empty when it is valid)."""
    errors: list[dict[str, Any]] = []
    currency, kind = body.get("currency"), body.get("type")
    details = body.get("details") if isinstance(body.get("details"), dict) else {}
    assert isinstance(details, dict)
    if not isinstance(currency, str) or not re.fullmatch(r"[A-Z]{3}", currency):
        errors.append(_invalid("currency", "Please select a currency.", currency))
    if kind not in RECIPIENT_TYPES:
        errors.append(_invalid("type", "Please select a valid recipient type.", kind))
    elif isinstance(currency, str) and currency not in RECIPIENT_TYPES[str(kind)]:
        errors.append(_invalid("type", f"Recipient type {kind} is not available for {currency}.", kind))
    legal_type = details.get("legalType")
    if legal_type not in LEGAL_TYPES:
        errors.append(_invalid("legalType", "Please select a recipient type (PRIVATE or BUSINESS).", legal_type))
    name = body.get("accountHolderName")
    if not isinstance(name, str) or not name.strip():
        errors.append(_invalid("accountHolderName", "Please enter the recipients first and last name."))
    elif legal_type in LEGAL_TYPES and not holder_name_is_valid(name, str(legal_type)):
        errors.append(_invalid("accountHolderName", "Please enter the recipients first and last name.", name))
    checks = {"iban": _iban_errors, "sort_code": _sort_code_errors, "aba": _aba_errors}
    if kind in checks:
        errors.extend(checks[str(kind)](details))
    return errors


def recipient_country(kind: str, details: dict[str, Any]) -> str | None:
    """The ``country`` Wise shows on a recipient: the IBAN's, GB for sort codes, the address's for ABA."""
    if kind == "iban":
        iban = _text(details, "IBAN") or _text(details, "iban") or ""
        return normalise_iban(iban)[:2] or None
    if kind == "sort_code":
        return "GB"
    address = details.get("address")
    return _text(address, "country") if isinstance(address, dict) else None
