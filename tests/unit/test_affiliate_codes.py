"""Affiliate codes (drawn without look-alikes, typed in any case) and the upline a recruit joins."""

from __future__ import annotations

import random
import secrets

import pytest

from shared.affiliates.domain.affiliate import AffiliateRole, Sponsor, upline_below
from shared.affiliates.domain.codes import ALPHABET, LENGTH, generate_code, parse_code
from shared.kernel.errors import FailedPrecondition, InvalidArgument

A, B, C, D = (Sponsor(uid, AffiliateRole.CHATTER) for uid in ("a", "b", "c", "d"))


def test_a_code_is_eight_characters_without_look_alikes() -> None:
    assert not set("01OI") & set(ALPHABET) and len(set(ALPHABET)) == len(ALPHABET) == 32
    codes = {generate_code(secrets.SystemRandom()) for _ in range(2000)}
    assert len(codes) == 2000
    for code in codes:
        assert len(code) == LENGTH and set(code) <= set(ALPHABET) and code == code.upper()


def test_the_same_source_draws_the_same_code() -> None:
    assert generate_code(random.Random(7)) == generate_code(random.Random(7))


@pytest.mark.parametrize("typed", ["k7wq2mpa", "  K7WQ2MPA ", "K7wq2Mpa"])
def test_a_code_is_read_in_any_case_with_spaces_around(typed: str) -> None:
    assert parse_code(typed, "recruitmentCode") == "K7WQ2MPA"


@pytest.mark.parametrize(
    "typed", ["", "K7WQ2MP", "K7WQ2MPAX", "K7WQ 2MP", "K7WQ2MP0", "K7WQ2MPO", "K7WQ2MP1", 12, None]
)
def test_a_malformed_code_names_the_field(typed: object) -> None:
    with pytest.raises(InvalidArgument) as raised:
        parse_code(typed, "affiliateCode")
    assert raised.value.field == "affiliateCode"


def test_a_recruit_joins_below_its_recruiter_three_levels_at_most() -> None:
    assert upline_below(A, ()) == (A,)
    assert upline_below(A, (B,)) == (A, B)
    assert upline_below(A, (B, C)) == (A, B, C)
    assert upline_below(A, (B, C, D)) == (A, B, C), "the recruiter's third level is not the recruit's"


def test_an_account_is_never_in_its_own_upline() -> None:
    for upline in ((), (B,), (B, C)):
        with pytest.raises(InvalidArgument) as raised:
            upline_below(A, upline, newcomer="a")
        assert raised.value.field == "recruitmentCode"
    with pytest.raises(InvalidArgument):
        upline_below(A, (B, C), newcomer="c")
    assert upline_below(A, (B, C, D), newcomer="d") == (A, B, C), "above the three levels: not a cycle"


def test_a_stored_upline_naming_an_account_twice_is_refused() -> None:
    with pytest.raises(FailedPrecondition):
        upline_below(A, (B, A))


def test_each_role_has_its_profile_collection() -> None:
    assert [role.profile_collection for role in AffiliateRole] == [
        "chatter_profiles",
        "influencer_profiles",
        "blogger_profiles",
        "group_admin_profiles",
    ]
