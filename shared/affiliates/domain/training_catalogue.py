"""The training modules `make dev` seeds into `training_modules` (admins edit them there)."""

from __future__ import annotations

from shared.affiliates.domain.training import Question, TrainingModule


def _q(qid: str, fr: str, en: str, choices: dict[str, tuple[str, str]], answer: str) -> Question:
    return Question(qid, {"fr": fr, "en": en}, {c: {"fr": f, "en": e} for c, (f, e) in choices.items()}, answer)


MODULES: tuple[TrainingModule, ...] = (
    TrainingModule(
        "how_sos_expat_works",
        1,
        {"fr": "Comment fonctionne SOS-Expat", "en": "How SOS-Expat works"},
        {
            "fr": "Un expatrié réserve un appel urgent payant avec un avocat ou un expatrié aidant.",
            "en": "An expat books an urgent paid call with a lawyer or an expat helper.",
        },
        (
            _q(
                "paid_when",
                "Quand le client est-il débité ?",
                "When is the client charged?",
                {"a": ("À la réservation", "At booking"), "b": ("Après un appel réussi", "After a successful call")},
                "b",
            ),
        ),
    ),
    TrainingModule(
        "your_commissions",
        2,
        {"fr": "Vos commissions", "en": "Your commissions"},
        {
            "fr": "5 % sur les appels de vos filleuls, 2 % et 1 % sur ceux de votre équipe, après 7 jours.",
            "en": "5 % of your referrals' calls, 2 % and 1 % of your team's, after 7 days.",
        },
        (
            _q(
                "hold",
                "Quand une commission devient-elle disponible ?",
                "When does a commission become available?",
                {"a": ("Tout de suite", "At once"), "b": ("Après 7 jours", "After 7 days")},
                "b",
            ),
            _q(
                "refund",
                "Que devient-elle si l'appel est remboursé ?",
                "What happens to it if the call is refunded?",
                {"a": ("Elle est annulée", "It is voided"), "b": ("Elle reste acquise", "It is kept")},
                "a",
            ),
        ),
        badge="first_steps",
    ),
    TrainingModule(
        "group_posts",
        3,
        {"fr": "Animer votre groupe", "en": "Running your group"},
        {
            "fr": "Publiez les posts prêts à l'emploi avec votre code, sans spam.",
            "en": "Share the ready-made posts with your code, without spamming.",
        },
        (
            _q(
                "often",
                "À quelle fréquence publier ?",
                "How often should you post?",
                {"a": ("Plusieurs fois par jour", "Several times a day"), "b": ("Une fois par semaine", "Once a week")},
                "b",
            ),
        ),
        roles=("group_admin",),
        badge="group_leader",
    ),
)
