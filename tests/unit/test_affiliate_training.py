"""Training: the role's modules in the affiliate's language without the answers; a completion
recorded once when every answer is right, with its badges; nothing written otherwise."""

from __future__ import annotations

from typing import Any

import pytest

from shared.affiliates.adapters import training_repository
from shared.affiliates.domain.training_catalogue import MODULES
from shared.affiliates.services.training import (
    CompleteTrainingCommand,
    ListTrainingCommand,
    complete_training_module,
    list_training_modules,
)
from shared.kernel.commands import Caller, parse_command
from shared.kernel.errors import InvalidArgument, NotFound, PermissionDenied
from tests.fakes import InMemoryStore
from tests.unit.test_affiliate_commissions import World

ROLES = {"R": "chatter", "S": "influencer", "T": "blogger"}
RIGHT = {"how_sos_expat_works": {"paid_when": "b"}, "your_commissions": {"hold": "b", "refund": "a"}}


@pytest.fixture
def w() -> World[InMemoryStore]:
    world = World(InMemoryStore())
    for module in MODULES:
        training_repository.save_module(world.store, module)
    return world


def listed(w: World[InMemoryStore], uid: str, data: Any = None) -> dict[str, Any]:
    cmd = parse_command(ListTrainingCommand, data or {})
    return list_training_modules(cmd, Caller(uid, {"role": ROLES[uid]}), store=w.store)


def complete(w: World[InMemoryStore], uid: str, module_id: str, answers: dict[str, str]) -> dict[str, Any]:
    cmd = parse_command(CompleteTrainingCommand, {"moduleId": module_id, "answers": answers})
    return complete_training_module(cmd, Caller(uid, {"role": ROLES[uid]}), store=w.store, clock=w.clock)


def test_the_roles_modules_in_its_language_without_the_answers(w: World[InMemoryStore]) -> None:
    seen = listed(w, "T")
    assert seen["language"] == "fr" and [m["moduleId"] for m in seen["modules"]] == list(RIGHT)
    assert seen["modules"][0]["title"] == "Comment fonctionne SOS-Expat"
    assert "answer" not in str(seen["modules"]) and seen["completed"] == 0 and seen["badges"] == []
    assert listed(w, "T", {"language": "en"})["modules"][0]["title"] == "How SOS-Expat works"
    assert listed(w, "T", {"language": "de"})["modules"][0]["title"] == "How SOS-Expat works", "English otherwise"


def test_a_wrong_answer_writes_nothing(w: World[InMemoryStore]) -> None:
    before = dict(w.store.docs)
    answer = complete(w, "T", "your_commissions", {"hold": "a", "refund": "a"})
    assert (answer["passed"], answer["right"], answer["questions"]) == (False, 1, 2)
    assert w.store.docs == before


def test_completions_are_recorded_once_and_the_last_earns_training_complete(w: World[InMemoryStore]) -> None:
    assert complete(w, "T", "your_commissions", RIGHT["your_commissions"])["badges"] == ["first_steps"]
    assert complete(w, "T", "your_commissions", RIGHT["your_commissions"]) == {
        "moduleId": "your_commissions",
        "passed": True,
        "right": 2,
        "questions": 2,
        "badges": [],
    }, "a second completion earns nothing more"
    assert complete(w, "T", "how_sos_expat_works", RIGHT["how_sos_expat_works"])["badges"] == ["training_complete"]
    seen = listed(w, "T")
    assert seen["completed"] == 2 and seen["badges"] == ["first_steps", "training_complete"]
    assert all(m["completedAt"] for m in seen["modules"])


def test_a_module_of_another_role_or_none_is_not_found(w: World[InMemoryStore]) -> None:
    for module_id in ("group_posts", "nope"):
        with pytest.raises(NotFound) as raised:
            complete(w, "R", module_id, {"often": "b"})
        assert raised.value.field == "moduleId"


def test_only_affiliates_train(w: World[InMemoryStore]) -> None:
    for caller in (Caller("c1", {"role": "client"}), Caller("T", {"role": "client"})):
        with pytest.raises(PermissionDenied):
            list_training_modules(ListTrainingCommand(), caller, store=w.store)


@pytest.mark.parametrize(
    ("model", "data", "field"),
    [
        (ListTrainingCommand, {"language": "french"}, "language"),
        (ListTrainingCommand, {"level": 1}, "level"),
        (CompleteTrainingCommand, {"moduleId": "", "answers": {}}, "moduleId"),
        (CompleteTrainingCommand, {"moduleId": "a/b", "answers": {}}, "moduleId"),
        (CompleteTrainingCommand, {"moduleId": "m"}, "answers"),
        (CompleteTrainingCommand, {"moduleId": "m", "answers": ["b"]}, "answers"),
    ],
)
def test_bad_input_names_the_field(model: Any, data: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidArgument) as raised:
        parse_command(model, data)
    assert raised.value.field == field
