from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.calls.domain.call_rules import (
    BACKOFF_BASE_SECONDS,
    BACKOFF_CAP_SECONDS,
    MIN_BILLABLE_SECONDS,
    CallOutcome,
    Settlement,
    backoff_seconds,
    connected_seconds,
    has_attempt_left,
    provider_earnings,
    settle_call,
)
from shared.calls.domain.circuit_breaker import FAILURE_THRESHOLD, OPEN_FOR, Breaker
from shared.calls.domain.ivr import DEFAULT_LANGUAGE, PROMPT_KEYS, VOICE_LANGUAGE, normalise_language, prompt
from shared.kernel.money import Currency, Money

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
LANGUAGES = ("fr", "en", "es", "de", "pt")


# --- backoff -------------------------------------------------------------------------------


def test_backoff_first_attempt_is_immediate_then_base_then_doubles_up_to_the_cap() -> None:
    assert [backoff_seconds(a) for a in range(1, 8)] == [0, 15, 30, 60, 120, 120, 120]
    assert [backoff_seconds(a, base=10, cap=35) for a in range(1, 6)] == [0, 10, 20, 35, 35]


def test_backoff_attempts_are_numbered_from_one() -> None:
    with pytest.raises(ValueError, match="from 1"):
        backoff_seconds(0)


@given(st.integers(min_value=2, max_value=200), st.integers(min_value=0, max_value=600))
def test_backoff_never_exceeds_the_cap_and_never_shrinks(attempt: int, base: int) -> None:
    delay = backoff_seconds(attempt, base=base)
    assert 0 <= delay <= BACKOFF_CAP_SECONDS
    assert backoff_seconds(attempt + 1, base=base) >= delay
    assert isinstance(delay, int)


def test_attempts_left() -> None:
    assert [has_attempt_left(a) for a in (1, 2, 3, 4)] == [True, True, False, False]
    assert has_attempt_left(1, max_attempts=1) is False
    assert BACKOFF_BASE_SECONDS == 15


# --- billing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "settlement"),
    [
        (0, Settlement.RELEASE),
        (MIN_BILLABLE_SECONDS - 1, Settlement.RELEASE),
        (MIN_BILLABLE_SECONDS, Settlement.CAPTURE),
        (MIN_BILLABLE_SECONDS + 1, Settlement.CAPTURE),
        (3600, Settlement.CAPTURE),
    ],
)
def test_settle_call_captures_from_the_minimum_billable_duration(seconds: int, settlement: Settlement) -> None:
    assert settle_call(seconds) == CallOutcome(seconds, settlement)


def test_settle_call_uses_the_configured_minimum() -> None:
    assert settle_call(29, min_billable_seconds=30).settlement is Settlement.RELEASE
    assert settle_call(30, min_billable_seconds=30).settlement is Settlement.CAPTURE
    assert settle_call(0, min_billable_seconds=0).settlement is Settlement.CAPTURE


@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=0, max_value=10_000))
def test_settle_call_is_a_threshold(seconds: int, minimum: int) -> None:
    outcome = settle_call(seconds, minimum)
    assert outcome.connected_seconds == seconds
    assert (outcome.settlement is Settlement.CAPTURE) is (seconds >= minimum)


def test_connected_seconds_counts_whole_seconds_between_twilio_timestamps() -> None:
    assert connected_seconds(T0, T0 + timedelta(minutes=10)) == 600
    assert connected_seconds(T0, T0 + timedelta(seconds=59, milliseconds=999)) == 59
    assert connected_seconds(T0, T0) == 0


@given(st.integers(min_value=-86_400, max_value=86_400))
def test_connected_seconds_is_never_negative(offset: int) -> None:
    seconds = connected_seconds(T0, T0 + timedelta(seconds=offset))
    assert seconds == max(0, offset)


def test_provider_earnings_is_the_price_minus_the_platform_fee() -> None:
    assert provider_earnings(Money(4900, Currency.EUR), Money(1900, Currency.EUR)) == Money(3000, Currency.EUR)
    assert provider_earnings(Money(1900, Currency.EUR), Money(1900, Currency.EUR)) == Money(0, Currency.EUR)


def test_provider_earnings_refuses_a_fee_above_the_price_or_another_currency() -> None:
    with pytest.raises(ValueError, match="exceeds"):
        provider_earnings(Money(900, Currency.EUR), Money(1900, Currency.EUR))
    with pytest.raises(ValueError, match="currency"):
        provider_earnings(Money(4900, Currency.EUR), Money(1900, Currency.USD))


# --- circuit breaker ---------------------------------------------------------------------------


def test_breaker_opens_after_the_threshold_then_half_opens_and_a_success_closes_it() -> None:
    breaker = Breaker()
    assert breaker.allows(T0)
    for _ in range(FAILURE_THRESHOLD - 1):
        breaker = breaker.record_failure(T0)
        assert breaker.allows(T0), "still closed below the threshold"
    breaker = breaker.record_failure(T0)
    assert breaker.consecutive_failures == FAILURE_THRESHOLD
    assert breaker.open_until == T0 + OPEN_FOR
    assert not breaker.allows(T0)
    assert not breaker.allows(T0 + OPEN_FOR - timedelta(seconds=1))
    assert breaker.allows(T0 + OPEN_FOR), "half-open: a trial call is allowed"
    assert breaker.record_success() == Breaker()
    assert breaker.record_success().allows(T0)


def test_a_failed_trial_call_reopens_the_breaker() -> None:
    breaker = Breaker(consecutive_failures=FAILURE_THRESHOLD, open_until=T0)
    later = T0 + OPEN_FOR
    assert breaker.allows(later)
    reopened = breaker.record_failure(later)
    assert not reopened.allows(later)
    assert reopened.open_until == later + OPEN_FOR


def test_breaker_threshold_and_open_period_are_parameters() -> None:
    breaker = Breaker().record_failure(T0, threshold=1, open_for=timedelta(seconds=5))
    assert not breaker.allows(T0 + timedelta(seconds=4))
    assert breaker.allows(T0 + timedelta(seconds=5))


def test_breaker_document_round_trip_and_garbage_tolerance() -> None:
    opened = Breaker(3, T0)
    assert Breaker.from_document(opened.to_document()) == opened
    assert Breaker.from_document(None) == Breaker()
    assert Breaker.from_document({}) == Breaker()
    assert Breaker.from_document({"consecutiveFailures": "3", "openUntil": "tomorrow"}) == Breaker()


# --- IVR prompts -----------------------------------------------------------------------------------


def test_the_call_sequence_prompts_all_exist() -> None:
    assert {"provider_offer", "client_offer", "connecting", "declined", "no_input", "unavailable"} <= PROMPT_KEYS


@pytest.mark.parametrize("key", sorted(PROMPT_KEYS))
def test_every_prompt_exists_and_is_translated_in_the_five_languages(key: str) -> None:
    assert set(VOICE_LANGUAGE) == set(LANGUAGES)
    texts = {}
    for language in LANGUAGES:
        said = prompt(key, language)
        assert said.text.strip()
        assert said.voice_language == VOICE_LANGUAGE[language]
        texts[language] = said.text
    assert len(set(texts.values())) == len(LANGUAGES), f"{key} is not translated: {texts}"


@pytest.mark.parametrize("key", ["provider_offer", "client_offer"])
def test_offers_tell_which_digit_to_press_in_every_language(key: str) -> None:
    for language in LANGUAGES:
        assert "1" in prompt(key, language).text


@pytest.mark.parametrize("raw", ["it", "zh-CN", "", None, 42, "  ", "english?"])
def test_an_unknown_language_falls_back_to_english(raw: object) -> None:
    assert normalise_language(raw) == DEFAULT_LANGUAGE == "en"
    assert prompt("connecting", raw) == prompt("connecting", "en")
    assert prompt("connecting", raw).voice_language == "en-GB"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("fr-FR", "fr"), ("PT_br", "pt"), (" DE ", "de"), ("es_ES", "es"), ("EN-us", "en"), ("pt", "pt")],
)
def test_regional_language_codes_normalise(raw: str, expected: str) -> None:
    assert normalise_language(raw) == expected
    assert prompt("declined", raw).voice_language == VOICE_LANGUAGE[expected]


def test_an_unknown_prompt_key_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        prompt("no_such_prompt", "fr")
