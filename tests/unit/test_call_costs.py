from shared.calls.services.costs import MAX_CHECKS, complete_pending_call_costs, record_call_costs
from tests.fakes import InMemoryStore
from tests.unit.call_world import Carrier


def _session(store: InMemoryStore, call_session_id: str = "s1") -> None:
    store.set(
        f"call_sessions/{call_session_id}",
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
        "pending": False,
        "checks": 1,
    }
    assert store.get("call_sessions/s1")["twilioCost"]["micros"] == 495_000  # type: ignore[index]


def test_a_call_not_priced_yet_leaves_the_figure_incomplete() -> None:
    store, telephony = InMemoryStore(), Carrier(prices={"CA1": 225_000})
    _session(store)
    figure = record_call_costs("s1", store=store, telephony=telephony)
    assert figure is not None and figure["complete"] is False and figure["micros"] == 225_000
    assert figure["pending"] is True
    assert record_call_costs("missing", store=store, telephony=telephony) is None


def test_pending_figures_are_completed_once_twilio_prices_the_call() -> None:
    store, telephony = InMemoryStore(), Carrier(prices={"CA1": 225_000})
    _session(store, "s1")
    _session(store, "s2")
    store.set("call_sessions/s3", {"participants": {}, "status": "completed"})
    record_call_costs("s1", store=store, telephony=telephony)
    record_call_costs("s2", store=store, telephony=telephony)
    assert complete_pending_call_costs(store=store, telephony=telephony) == []
    telephony.prices["CA2"] = 270_000
    assert sorted(complete_pending_call_costs(store=store, telephony=telephony)) == ["s1", "s2"]
    figure = store.get("call_sessions/s1")["twilioCost"]  # type: ignore[index]
    assert (figure["micros"], figure["complete"], figure["pending"], figure["checks"]) == (495_000, True, False, 3)
    assert complete_pending_call_costs(store=store, telephony=telephony) == []  # nothing left to ask


def test_a_call_twilio_never_prices_is_given_up_after_a_day_of_checks() -> None:
    store, telephony = InMemoryStore(), Carrier(prices={"CA1": 225_000})
    _session(store)
    record_call_costs("s1", store=store, telephony=telephony)
    for _ in range(MAX_CHECKS * 2):
        complete_pending_call_costs(store=store, telephony=telephony)
    figure = store.get("call_sessions/s1")["twilioCost"]  # type: ignore[index]
    assert (figure["complete"], figure["pending"], figure["checks"]) == (False, False, MAX_CHECKS)


def test_a_session_whose_cost_was_never_asked_is_found_by_the_cron() -> None:
    # The settling callback ends the session, then dies before asking Twilio for the price.
    from tests.unit.call_world import CallWorld

    w = CallWorld()
    sid = w.book()
    w.connect(sid)
    for event in w.talk_events(sid, 120):
        w.conference(sid, event)  # CallWorld.perform_follow_ups records no cost
    assert w.session(sid)["status"] == "completed"
    placeholder = w.session(sid)["twilioCost"]
    assert (placeholder["pending"], placeholder["checks"], placeholder["complete"]) == (True, 0, False)
    provider, client = w.call_sid(sid, "provider"), w.call_sid(sid, "client")
    w.telephony.prices.update({provider: 90_000, client: 90_000})
    assert complete_pending_call_costs(store=w.store, telephony=w.telephony) == [sid]
    figure = w.session(sid)["twilioCost"]
    assert (figure["micros"], figure["calls"], figure["complete"], figure["checks"]) == (180_000, 2, True, 1)


def test_a_failed_cost_recording_does_not_fail_the_settling_callback() -> None:
    from shared.calls.services.follow_ups import FollowUps
    from shared.calls.services.twilio_callbacks import CallbackResult
    from tests.unit.call_world import Queue

    settled: list[str] = []

    def record(call_session_id: str) -> None:
        raise RuntimeError("Firestore: Transaction lock timeout")

    follow_ups = FollowUps(
        store=InMemoryStore(), tasks=Queue(), telephony=Carrier(), settle=settled.append, record_costs=record
    )
    follow_ups.perform(CallbackResult(settle=True), "s1")
    assert settled == ["s1"]  # paid; the pending cost figure is left to completeCallCosts


def test_every_attempt_is_priced_not_only_the_last_call_of_each_party() -> None:
    from tests.unit.call_world import CallWorld

    w = CallWorld()
    sid = w.book()
    w.dial(sid, "provider")
    first = w.call_sid(sid, "provider")  # a voicemail answered: Twilio bills it
    w.ends(sid, "provider", "completed")
    w.dial(sid, "provider", 2)
    second = w.call_sid(sid, "provider")
    assert first != second
    w.telephony.prices.update({first: 20_000, second: 15_000})
    figure = record_call_costs(sid, store=w.store, telephony=w.telephony)
    assert figure is not None and (figure["micros"], figure["calls"]) == (35_000, 2)


def test_prices_in_another_unit_are_kept_apart() -> None:
    store, telephony = InMemoryStore(), Carrier(prices={"CA1": 225_000, "CA2": 200_000})
    telephony.price_units["CA2"] = "eur"
    _session(store)
    figure = record_call_costs("s1", store=store, telephony=telephony)
    assert figure is not None and figure["currency"] == "mixed" and figure["micros"] is None
    assert figure["byCurrency"] == {"usd": 225_000, "eur": 200_000}
