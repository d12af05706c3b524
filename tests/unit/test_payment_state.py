import itertools

import pytest

from shared.payments.domain.payment import TERMINAL_STATES, PaymentState, can_transition

P = PaymentState
ALLOWED = {
    (P.PENDING, P.FAILED),
    (P.PENDING, P.AUTHORIZED),
    (P.PENDING, P.CAPTURED),
    (P.PENDING, P.RELEASED),
    (P.FAILED, P.AUTHORIZED),
    (P.FAILED, P.CAPTURED),
    (P.FAILED, P.RELEASED),
    (P.AUTHORIZED, P.CAPTURED),
    (P.AUTHORIZED, P.RELEASED),
}


@pytest.mark.parametrize(("current", "target"), list(itertools.product(PaymentState, repeat=2)))
def test_every_transition_is_explicitly_allowed_or_refused(current: PaymentState, target: PaymentState) -> None:
    assert can_transition(current, target) == ((current, target) in ALLOWED)


def test_final_states_are_never_left() -> None:
    for final in TERMINAL_STATES:
        assert not any(can_transition(final, target) for target in PaymentState)


def test_a_document_written_with_stripes_word_reads_as_released() -> None:
    assert P("canceled") is P.RELEASED and P("released") is P.RELEASED
    with pytest.raises(ValueError):
        P("cancelled")
