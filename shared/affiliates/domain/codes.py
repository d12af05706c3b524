"""Affiliate codes: what a client types at checkout or a recruit at sign-up.

Eight characters from an alphabet without look-alikes (no 0/O, no 1/I), so a code read aloud or
copied from a screenshot is typed right. Codes are drawn from a cryptographic source (the
caller passes `secrets.SystemRandom()`), so the next one cannot be guessed from earlier ones.
"""

from __future__ import annotations

import random
from enum import StrEnum

from shared.kernel.errors import InvalidArgument

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LENGTH = 8


class CodeKind(StrEnum):
    CLIENT = "client"  # a client books with it: the affiliate earns on the call
    RECRUITMENT = "recruitment"  # a new affiliate signs up with it: it joins the affiliate's team


def generate_code(rng: random.Random) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(LENGTH))


def parse_code(raw: object, field: str) -> str:
    """A code as typed (any case, surrounding spaces), upper case; InvalidArgument naming
    `field` when it cannot be one."""
    if not isinstance(raw, str):
        raise InvalidArgument(field, "must be text")
    code = raw.strip().upper()
    if len(code) != LENGTH or any(char not in ALPHABET for char in code):
        raise InvalidArgument(field, f"must be a code of {LENGTH} letters and digits, e.g. K7WQ2MPA")
    return code
