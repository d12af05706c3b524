"""Training modules: short lessons per role, each closed by a quiz that must be answered right;
completing one may earn a badge, and completing every module of one's role earns
`training_complete`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

TRAINING_COMPLETE = "training_complete"
FALLBACK_LANGUAGE = "en"


@dataclass(frozen=True)
class Question:
    question_id: str
    texts: dict[str, str]
    choices: dict[str, dict[str, str]]  # choice id -> language -> text
    answer: str

    def shown(self, language: str) -> dict[str, Any]:
        """The question without its answer."""
        return {
            "questionId": self.question_id,
            "text": _in(self.texts, language),
            "choices": [{"choiceId": cid, "text": _in(texts, language)} for cid, texts in self.choices.items()],
        }


@dataclass(frozen=True)
class TrainingModule:
    module_id: str
    order: int
    titles: dict[str, str]
    summaries: dict[str, str]
    questions: tuple[Question, ...]
    roles: tuple[str, ...] = ()  # empty: every role
    badge: str | None = None
    published: bool = True

    def for_role(self, role: str) -> bool:
        return self.published and (not self.roles or role in self.roles)

    def grade(self, answers: Mapping[str, str]) -> tuple[int, int]:
        """(right answers, questions)."""
        return sum(answers.get(q.question_id) == q.answer for q in self.questions), len(self.questions)

    def passed(self, answers: Mapping[str, str]) -> bool:
        right, total = self.grade(answers)
        return right == total

    def shown(self, language: str) -> dict[str, Any]:
        return {
            "moduleId": self.module_id,
            "order": self.order,
            "title": _in(self.titles, language),
            "summary": _in(self.summaries, language),
            "questions": [q.shown(language) for q in self.questions],
            "badge": self.badge,
        }

    def to_document(self) -> dict[str, Any]:
        return {
            "moduleId": self.module_id,
            "order": self.order,
            "titles": self.titles,
            "summaries": self.summaries,
            "questions": [
                {"questionId": q.question_id, "texts": q.texts, "choices": q.choices, "answer": q.answer}
                for q in self.questions
            ],
            "roles": list(self.roles),
            "badge": self.badge,
            "published": self.published,
        }

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> TrainingModule:
        return cls(
            module_id=str(doc["moduleId"]),
            order=int(doc.get("order") or 0),
            titles=dict(doc.get("titles") or {}),
            summaries=dict(doc.get("summaries") or {}),
            questions=tuple(
                Question(
                    str(q["questionId"]), dict(q.get("texts") or {}), dict(q.get("choices") or {}), str(q["answer"])
                )
                for q in doc.get("questions") or []
            ),
            roles=tuple(doc.get("roles") or ()),
            badge=doc.get("badge"),
            published=doc.get("published", True) is True,
        )


def _in(texts: Mapping[str, str], language: str) -> str:
    return texts.get(language) or texts.get(FALLBACK_LANGUAGE) or next(iter(texts.values()), "")


def badges_after(module: TrainingModule, completed: Iterable[str], role_modules: Iterable[TrainingModule]) -> list[str]:
    """The badges completing `module` earns, given the ids completed before it."""
    done = {*completed, module.module_id}
    earned = [module.badge] if module.badge else []
    if all(m.module_id in done for m in role_modules):
        earned.append(TRAINING_COMPLETE)
    return earned
