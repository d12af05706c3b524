from itertools import product

import pytest

from shared.calls.domain.call_session import (
    TERMINAL,
    CallStatus,
    FailureReason,
    IllegalTransition,
    Party,
    calling_status,
    can_transition,
    no_answer_reason,
    transition,
)

S = CallStatus

# The whole lifecycle, written out: every pair not listed here must be refused.
ALLOWED = {
    (S.SCHEDULED, S.CALLING_PROVIDER),
    (S.SCHEDULED, S.FAILED),
    (S.SCHEDULED, S.CANCELLED),
    (S.CALLING_PROVIDER, S.PROVIDER_CONNECTED),
    (S.CALLING_PROVIDER, S.FAILED),
    (S.CALLING_PROVIDER, S.CANCELLED),
    (S.PROVIDER_CONNECTED, S.CALLING_CLIENT),
    (S.PROVIDER_CONNECTED, S.FAILED),
    (S.PROVIDER_CONNECTED, S.CANCELLED),
    (S.CALLING_CLIENT, S.ACTIVE),
    (S.CALLING_CLIENT, S.FAILED),
    (S.CALLING_CLIENT, S.CANCELLED),
    (S.ACTIVE, S.COMPLETED),
}
ALL_PAIRS = list(product(CallStatus, CallStatus))


def _id(pair: tuple[CallStatus, CallStatus]) -> str:
    return f"{pair[0].value}->{pair[1].value}"


@pytest.mark.parametrize("pair", ALL_PAIRS, ids=[_id(p) for p in ALL_PAIRS])
def test_every_transition_is_allowed_or_refused_as_specified(pair: tuple[CallStatus, CallStatus]) -> None:
    current, target = pair
    assert can_transition(current, target) is (pair in ALLOWED)


@pytest.mark.parametrize("pair", sorted(ALLOWED), ids=[_id(p) for p in sorted(ALLOWED)])
def test_transition_returns_the_target_when_allowed(pair: tuple[CallStatus, CallStatus]) -> None:
    assert transition(*pair) is pair[1]


REFUSED = [p for p in ALL_PAIRS if p not in ALLOWED]


@pytest.mark.parametrize("pair", REFUSED, ids=[_id(p) for p in REFUSED])
def test_transition_raises_illegal_transition_when_refused(pair: tuple[CallStatus, CallStatus]) -> None:
    current, target = pair
    with pytest.raises(IllegalTransition) as raised:
        transition(current, target)
    assert (raised.value.current, raised.value.target) == (current, target)
    assert current.value in str(raised.value) and target.value in str(raised.value)


def test_terminal_states_are_exactly_completed_failed_cancelled() -> None:
    assert frozenset({S.COMPLETED, S.FAILED, S.CANCELLED}) == TERMINAL


@pytest.mark.parametrize("terminal", sorted(TERMINAL))
def test_terminal_states_are_final(terminal: CallStatus) -> None:
    assert not [target for target in CallStatus if can_transition(terminal, target)]


@pytest.mark.parametrize("status", list(CallStatus))
def test_no_state_transitions_to_itself(status: CallStatus) -> None:
    assert not can_transition(status, status)


def test_the_machine_only_moves_forward() -> None:
    order = list(CallStatus)  # declaration order is the order of the lifecycle
    for current, target in ALLOWED:
        assert order.index(target) > order.index(current)


def test_every_state_is_reachable_from_scheduled() -> None:
    reached, frontier = {S.SCHEDULED}, [S.SCHEDULED]
    while frontier:
        current = frontier.pop()
        for target in CallStatus:
            if can_transition(current, target) and target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(CallStatus)


def test_an_active_call_can_only_complete() -> None:
    # Once both parties talk, the conference events decide; nobody fails or cancels it.
    assert [t for t in CallStatus if can_transition(S.ACTIVE, t)] == [S.COMPLETED]


def test_calling_status_and_no_answer_reason_per_party() -> None:
    assert calling_status(Party.PROVIDER) is S.CALLING_PROVIDER
    assert calling_status(Party.CLIENT) is S.CALLING_CLIENT
    assert no_answer_reason(Party.PROVIDER) is FailureReason.PROVIDER_NO_ANSWER
    assert no_answer_reason(Party.CLIENT) is FailureReason.CLIENT_NO_ANSWER
