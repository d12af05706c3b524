from shared.services.call_costs import record_call_costs
from tests.fakes import InMemoryStore
from tests.unit.call_world import Carrier


def _session(store: InMemoryStore) -> None:
    store.set(
        "call_sessions/s1",
        {"participants": {"provider": {"callSid": "CA1"}, "client": {"callSid": "CA2"}}, "status": "completed"},
    )


def test_costs_of_every_call_are_summed_in_micro_dollars() -> None:
    store, telephony = InMemoryStore(), Carrier(prices={"CA1": 225_000, "CA2": 270_000})
    _session(store)
    assert record_call_costs("s1", store=store, telephony=telephony) == {
        "micros": 495_000,
        "currency": "usd",
        "calls": 2,
        "complete": True,
    }
    assert store.get("call_sessions/s1")["twilioCost"]["micros"] == 495_000  # type: ignore[index]


def test_a_call_not_priced_yet_leaves_the_figure_incomplete() -> None:
    store, telephony = InMemoryStore(), Carrier(prices={"CA1": 225_000})
    _session(store)
    figure = record_call_costs("s1", store=store, telephony=telephony)
    assert figure is not None and figure["complete"] is False and figure["micros"] == 225_000
    assert record_call_costs("missing", store=store, telephony=telephony) is None
