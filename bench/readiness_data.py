"""Data for the readiness benchmark: a team, a 50-question assessment and members' histories.

Used by bench/readiness.py only (never by the app). Rows go in with bulk inserts; the histories
are plausible, not simulated: the benchmark measures reading them, not what they predict.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

TOPICS = 16
QUESTIONS_PER_TOPIC = 40  # a catalog of 640 questions
STUDIED_SHARE = 0.6  # of the catalog, per member
REVIEWS_PER_CARD = 6  # the first try, then five more
FIXED = 20  # the assessment: 20 fixed questions (from topic 0) and 3 draws of 10 (topics 1-3)
DRAWS = 3
DRAW_COUNT = 10


@dataclass(frozen=True)
class BenchTeam:
    team: object
    assessment: object
    members: list
    review_logs: int
    cards: int


def catalog() -> list:
    """Create the topics, banks and questions; return the questions by topic, in order."""
    from studyapp.banks.models import Bank, Question, Topic

    topics = Topic.objects.bulk_create(
        Topic(slug=f"bench-topic-{t}", title=f"Topic {t}", position=t) for t in range(TOPICS)
    )
    banks = Bank.objects.bulk_create(
        Bank(slug=f"bench-bank-{t}", title=f"Bank {t}", topic=topic)
        for t, topic in enumerate(topics)
    )
    Question.objects.bulk_create(
        Question(slug=f"bench-q-{t}-{i}", bank=bank, topic=topic, type="truefalse",
                 prompt="A Service keeps its cluster IP.", explanation="E", truth=True,
                 difficulty=1 + i % 3, position=i, study_order=t * QUESTIONS_PER_TOPIC + i)
        for t, (topic, bank) in enumerate(zip(topics, banks, strict=True))
        for i in range(QUESTIONS_PER_TOPIC)
    )  # fmt: skip
    questions = list(Question.objects.order_by("study_order"))
    return [
        questions[t * QUESTIONS_PER_TOPIC : (t + 1) * QUESTIONS_PER_TOPIC] for t in range(TOPICS)
    ]


def team_with_members(
    name: str, members: int, by_topic: list, now: datetime, rng: random.Random
) -> BenchTeam:
    """Create a team of `members` members with histories, and its open 50-question assessment."""
    from studyapp.accounts.models import Membership, Team, User
    from studyapp.assessments.models import Assessment, AssessmentItem
    from studyapp.study import summaries
    from studyapp.study.models import Answer, CardState, ReviewLog

    team = Team.objects.create(name=name)
    lead = User.objects.create(username=f"{name}-lead", is_staff=False)
    users = User.objects.bulk_create(User(username=f"{name}-member-{i}") for i in range(members))
    Membership.objects.create(team=team, user=lead, role=Membership.Role.LEAD)
    Membership.objects.bulk_create(Membership(team=team, user=user) for user in users)
    assessment = Assessment.objects.create(
        team=team, title=f"{name} onboarding", pass_mark=70, is_published=True,
        opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=6), created_by=lead,
    )  # fmt: skip
    AssessmentItem.objects.bulk_create(
        [AssessmentItem(assessment=assessment, question=q, position=i)
         for i, q in enumerate(by_topic[0][:FIXED])]
        + [AssessmentItem(assessment=assessment, topic=by_topic[d][0].topic, count=DRAW_COUNT,
                          position=100 + d) for d in range(1, DRAWS + 1)]
    )  # fmt: skip
    questions = [q for topic in by_topic for q in topic]
    review_logs = cards_made = 0
    for user in users:
        studied = rng.sample(questions, int(len(questions) * STUDIED_SHARE))
        cards = CardState.objects.bulk_create(
            CardState(user=user, question=q, state=2, stability=rng.lognormvariate(2.0, 1.0),
                      difficulty=rng.uniform(3, 8), reps=REVIEWS_PER_CARD,
                      last_review=now - timedelta(days=rng.uniform(0, 40)),
                      due=now + timedelta(days=rng.uniform(-5, 30)))
            for q in studied
        )  # fmt: skip
        times = [
            (card, now - timedelta(days=60 - 10 * k, minutes=rng.uniform(0, 600)), k)
            for card in cards
            for k in range(REVIEWS_PER_CARD)
        ]
        answers = Answer.objects.bulk_create(
            (Answer(user=user, card=card, card_version=k, created_at=at,
                    duration_ms=rng.randint(5_000, 60_000)) for card, at, k in times),
            batch_size=2000,
        )  # fmt: skip
        ReviewLog.objects.bulk_create(
            (ReviewLog(user=user, card=card, answer=answer, reviewed_at=at,
                       rating=1 if rng.random() < 0.25 else 3, state_before=0 if k == 0 else 2,
                       duration_ms=answer.duration_ms, card_before={})
             for answer, (card, at, k) in zip(answers, times, strict=True)),
            batch_size=2000,
        )  # fmt: skip
        review_logs += len(times)
        cards_made += len(cards)
    summaries.rebuild([user.pk for user in users])  # the days of the reviews written in bulk
    return BenchTeam(team, assessment, list(users), review_logs, cards_made)
