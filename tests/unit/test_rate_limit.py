from hypothesis import given
from hypothesis import strategies as st

from shared.kernel.rate_limit import RateLimit

RULE = RateLimit(max_requests=5, window_seconds=600)


def test_sixth_attempt_in_ten_minutes_is_refused_with_retry_after() -> None:
    past: list[float] = []
    for i in range(5):
        d = RULE.decide(past, 1000.0 + i)
        assert d.allowed
        past = d.recent
    refused = RULE.decide(past, 1010.0)
    assert not refused.allowed
    assert refused.retry_after_seconds == 590
    assert RULE.decide(past, 1600.0).allowed


@given(st.lists(st.floats(min_value=0, max_value=5000, allow_nan=False), max_size=60))
def test_never_more_than_max_accepted_in_any_window(times: list[float]) -> None:
    accepted: list[float] = []
    kept: list[float] = []
    for t in sorted(times):
        d = RULE.decide(kept, t)
        if d.allowed:
            accepted.append(t)
        kept = d.recent
    for start in accepted:
        assert len([t for t in accepted if start <= t < start + RULE.window_seconds]) <= RULE.max_requests
