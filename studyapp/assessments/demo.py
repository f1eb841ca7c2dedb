"""The demo of `make run` (fixtures/demo.json): a team, its assessments, a learner's history.

`build_demo` makes it through the app's own services (answering, rating, attempts), so the data
is what real use leaves behind, on whatever schema the code has today; `demo_fixture` turns it
into a fixture, and `load_demo` loads one with its dates moved to now. The build runs in a
transaction the `build_demo_fixture` command rolls back: the database is left as it was.

Questions, topics and banks are written by their natural key (slug): their ids differ from one
database to the next. Everything else keeps small ids, renumbered from 1.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core import serializers
from django.core.serializers.base import DeserializationError
from django.db import models, transaction

from studyapp.accounts.models import Invite, Membership, Team, User
from studyapp.accounts.services import create_invite, create_team
from studyapp.banks.format import QuestionSpec, cloze_deletions
from studyapp.banks.models import Question, Topic
from studyapp.study import scheduling
from studyapp.study.models import Answer, CardState, DailyReviewSummary, ReviewLog, StudySettings
from studyapp.study.selectors import study_settings
from studyapp.study.services import memory_of, rate_answer, scheduler_for, submit_answer

from . import services
from .models import Assessment, AssessmentItem, Attempt, AttemptQuestion
from .snapshots import spec_from_data

# Every date of the fixture is relative to this moment; `load_demo` moves it to "now".
ANCHOR = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
HISTORY_DAYS = 60
SEED = 16
FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "demo.json"
TEAM_NAME = "Platform onboarding"
INVITE_TOKEN = "demo-invite-platform-onboarding"  # a known link, for the demo only

# (username, first name, last name, role); each one's password is their username.
PEOPLE = (
    ("lead", "Lena", "Lead", Membership.Role.LEAD),
    ("demo", "Dana", "Demo", Membership.Role.MEMBER),
    ("ana", "Ana", "Alves", Membership.Role.MEMBER),
    ("ben", "Ben", "Brooks", Membership.Role.MEMBER),
)
# The published assessment's fixed questions: this many of each type, from these topics.
ASSESSMENT_TOPICS = ("services", "service-types", "dns", "pod-networking")
ASSESSMENT_TYPES = {"single": 3, "multi": 1, "truefalse": 2, "short": 1, "order": 1, "cloze": 1}

# The demo's models, in the order they are written (each refers only to those before it).
MODELS: tuple[type[models.Model], ...] = (
    User, Team, Membership, Invite, StudySettings, Assessment, AssessmentItem, Attempt,
    AttemptQuestion, CardState, Answer, ReviewLog, DailyReviewSummary,
)  # fmt: skip


class DemoError(Exception):
    """The demo cannot be built or loaded, with the reason."""


# Building ---------------------------------------------------------------------------------------


def _at(days: float, hour: float = 0) -> datetime:
    """Return ANCHOR moved by `days` (negative: before) plus `hour` hours."""
    return ANCHOR + timedelta(days=days, hours=hour)


def _people() -> dict[str, User]:
    users = {}
    for username, first, last, _role in PEOPLE:
        User.objects.filter(username=username).delete()  # rolled back with the build
        users[username] = User.objects.create(
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@example.com",
            # A fixed salt and hasher: the fixture stays the same when nothing else changes.
            password=make_password(
                username, salt=f"kubeprepdemo{username}", hasher="pbkdf2_sha256"
            ),
            date_joined=_at(-HISTORY_DAYS - 2),
        )
    return users


def _team(users: dict[str, User]) -> Team:
    team = create_team(name=TEAM_NAME, lead=users["lead"])
    Team.objects.filter(pk=team.pk).update(created_at=_at(-HISTORY_DAYS - 1))
    for username, _first, _last, role in PEOPLE[1:]:
        Membership.objects.create(team=team, user=users[username], role=role)
    Membership.objects.filter(team=team).update(joined_at=_at(-HISTORY_DAYS - 1, 2))
    invite = create_invite(
        team=team,
        created_by=users["lead"],
        now=_at(-2),
        valid_for=timedelta(days=30),
    )
    Invite.objects.filter(pk=invite.pk).update(token=INVITE_TOKEN)
    return team


def _assessment_questions(rng: random.Random) -> list[Question]:
    """Pick the published assessment's questions: a mix of types from the networking topics."""
    chosen: list[Question] = []
    for kind, count in ASSESSMENT_TYPES.items():
        pool = list(
            Question.objects.active()
            .filter(type=kind, topic__slug__in=ASSESSMENT_TOPICS)
            .exclude(type=Question.Type.SHORT, answers=[])
            .order_by("study_order", "pk")
        )
        if len(pool) < count:
            raise DemoError(
                f"The banks have {len(pool)} {kind} questions in {', '.join(ASSESSMENT_TOPICS)}; "
                f"the demo needs {count}. Load the banks first (manage.py loadbanks)."
            )
        chosen += rng.sample(pool, count)
    return chosen


def _assessments(team: Team, lead: User, rng: random.Random) -> tuple[Assessment, Assessment]:
    published = Assessment.objects.create(
        team=team,
        title="Services and networking basics",
        instructions=(
            "Ten questions on Services, DNS and Pod networking. You have **30 minutes**; "
            "answers are saved as you go. The questions you miss go to your review queue."
        ),
        time_limit_minutes=30,
        pass_mark=70,
        attempts_allowed=1,
        opens_at=_at(-10),
        closes_at=_at(20),
        shuffle_questions=True,
        shuffle_choices=True,
        is_published=True,
        created_by=lead,
    )
    for position, question in enumerate(_assessment_questions(rng)):
        AssessmentItem.objects.create(assessment=published, question=question, position=position)
    AssessmentItem.objects.create(
        assessment=published,
        topic=Topic.objects.get(slug="dns"),
        count=1,
        position=sum(ASSESSMENT_TYPES.values()),
    )
    draft = Assessment.objects.create(
        team=team,
        title="Storage and scaling (draft)",
        instructions="Volumes, PersistentVolumeClaims and autoscaling.",
        opens_at=_at(7),
        closes_at=_at(21),
        is_published=False,
        created_by=lead,
    )
    AssessmentItem.objects.create(
        assessment=draft, topic=Topic.objects.get(slug="volumes"), count=5, position=0
    )
    AssessmentItem.objects.create(
        assessment=draft, topic=Topic.objects.get(slug="autoscaling"), count=5, position=1
    )
    Assessment.objects.filter(pk__in=[published.pk, draft.pk]).update(
        created_at=_at(-12), updated_at=_at(-11)
    )
    return published, draft


def right_response(spec: QuestionSpec) -> list:
    """Return an answer its grader takes as right."""
    if spec.type == "single":
        return [str(next(i for i, c in enumerate(spec.choices) if c.is_correct))]
    if spec.type == "multi":
        return [str(i) for i, c in enumerate(spec.choices) if c.is_correct]
    if spec.type == "truefalse":
        return ["true" if spec.truth else "false"]
    if spec.type == "short":
        return [spec.answers[0]]
    if spec.type == "order":
        return list(range(len(spec.items)))
    if spec.type == "cloze":
        return [answer for _number, answer, _hint in cloze_deletions(spec.prompt)]
    if spec.type == "yaml":
        return [spec.solution]
    raise DemoError(f"No right answer for a {spec.type} question.")


def wrong_response(spec: QuestionSpec) -> list:
    """Return an answer its grader takes as wrong."""
    if spec.type in ("single", "multi"):
        return [str(next(i for i, c in enumerate(spec.choices) if not c.is_correct))]
    if spec.type == "truefalse":
        return ["false" if spec.truth else "true"]
    if spec.type == "order":
        return list(reversed(range(len(spec.items))))
    if spec.type == "cloze":
        return ["?" for _ in cloze_deletions(spec.prompt)]
    return ["I am not sure"]


def _take(assessment: Assessment, user: User, *, start: datetime, minutes: int,
          right: float, blank: int, rng: random.Random) -> Attempt:  # fmt: skip
    """Start, answer (about `right` of them right, `blank` left empty) and submit an attempt."""
    attempt = services.start_attempt(assessment=assessment, user=user, now=start, rng=rng)
    rows = list(attempt.questions.order_by("position"))
    for index, row in enumerate(rows):
        if index >= len(rows) - blank:
            continue  # ran out of time for the last ones
        spec = spec_from_data(row.spec)
        row.response = right_response(spec) if rng.random() < right else wrong_response(spec)
        row.answered_at = start + timedelta(minutes=minutes * (index + 1) / len(rows))
        row.save(update_fields=["response", "answered_at"])
    return services.submit_attempt(
        attempt_id=attempt.pk, user=user, now=start + timedelta(minutes=minutes)
    )


def _check_grading(attempt: Attempt) -> None:
    """The right answers must grade right: if a grader changed, the demo says so."""
    for row in attempt.questions.all():
        if row.response == right_response(spec_from_data(row.spec)) and not row.is_correct:
            raise DemoError(f"The demo's right answer to {row.question_slug} now grades wrong.")


@dataclass
class _Learner:
    """A learner who studies most days: reviews what is due, then a few new cards."""

    user: User
    rng: random.Random

    def __post_init__(self) -> None:
        self.settings = study_settings(self.user)
        self.scheduler = scheduler_for(self.settings)
        self.new = iter(
            Question.objects.active()
            .select_related("topic", "bank")
            .prefetch_related("choices", "snippets")
            .order_by("study_order", "pk")
        )

    def _next_new(self) -> Question | None:
        """The next question never studied (a missed assessment question has a card already)."""
        for question in self.new:
            if not CardState.objects.filter(user=self.user, question=question).exists():
                return question
        return None

    def review(self, card: CardState | None, question: Question, now: datetime) -> datetime:
        """Answer one card aloud and rate it as a real learner would; return when it ended."""
        difficulty_penalty = 0.04 * (question.difficulty - 2)
        if card is None or card.state == CardState.State.NEW:
            recall = 0.72 - difficulty_penalty
        elif card.state in (CardState.State.LEARNING, CardState.State.RELEARNING):
            recall = 0.86 - difficulty_penalty
        else:
            memory = memory_of(card)
            recall = scheduling.retrievability(self.scheduler, card.pk, memory, now)
            recall -= difficulty_penalty
        seconds = min(180, max(4, self.rng.lognormvariate(2.5, 0.5)))
        answer = submit_answer(
            user=self.user,
            settings=self.settings,
            question=question,
            card_version=card.version if card else 0,
            response=[],
            duration_ms=int(seconds * 1000),
            now=now,
            self_graded=True,
        )
        if self.rng.random() < recall:
            roll = self.rng.random()
            rating = scheduling.HARD if roll < 0.15 else scheduling.EASY if roll > 0.9 else 3
        else:
            rating = scheduling.AGAIN
        done = now + timedelta(seconds=seconds)
        rate_answer(
            user=self.user, settings=self.settings, answer_id=answer.pk, rating=rating, now=done
        )
        return done + timedelta(seconds=self.rng.uniform(2, 8))

    def study_day(self, start: datetime, new_cards: int) -> None:
        """One session: every due card (learning steps included, as they come due), new cards."""
        now, introduced = start, 0
        end = start + timedelta(minutes=45)
        while now < end:
            due = (
                CardState.objects.filter(user=self.user, is_suspended=False, due__lte=now)
                .select_related("question__topic")
                .order_by("due", "pk")
                .first()
            )
            if due is not None:
                now = self.review(due, due.question, now)
                continue
            if introduced < new_cards:
                question = self._next_new()
                if question is not None:
                    introduced += 1
                    now = self.review(None, question, now)
                    continue
            upcoming = (
                CardState.objects.filter(user=self.user, is_suspended=False, due__lt=end)
                .exclude(state=CardState.State.REVIEW)
                .order_by("due")
                .values_list("due", flat=True)
                .first()
            )
            if upcoming is None:
                return
            now = max(now, upcoming)


def build_demo(history_days: int = HISTORY_DAYS) -> None:
    """Write the demo's people, team, assessments, attempts and study history (no commit)."""
    rng = random.Random(SEED)
    random.seed(SEED)  # FSRS draws its interval fuzz from the random module
    users = _people()
    team = _team(users)
    published, _draft = _assessments(team, users["lead"], rng)

    learner = _Learner(users["demo"], rng)
    for days_ago in range(history_days, 0, -1):
        if days_ago > 14 and rng.random() < 0.15:
            continue  # a day off now and then, but a streak up to today
        new_cards = rng.randint(3, 5) if days_ago > history_days // 2 else rng.randint(1, 3)
        learner.study_day(_at(-days_ago, 9 + rng.uniform(0, 3)), new_cards)
        if days_ago == 5:
            attempt = _take(published, users["demo"], start=_at(-5, 14), minutes=19,
                            right=0.9, blank=0, rng=rng)  # fmt: skip
            _check_grading(attempt)
    second = _Learner(users["ana"], rng)
    for days_ago in (6, 5, 4, 3):
        second.study_day(_at(-days_ago, 18), new_cards=5)
    _take(published, users["ana"], start=_at(-3, 10), minutes=27, right=0.55, blank=2, rng=rng)


# Writing and loading ----------------------------------------------------------------------------


def _demo_objects() -> list[models.Model]:
    """Return every row of the demo, in the order they must be written."""
    users = User.objects.filter(username__in=[p[0] for p in PEOPLE])
    teams = Team.objects.filter(invites__token=INVITE_TOKEN).distinct()
    assessments = Assessment.objects.filter(team__in=teams)
    attempts = Attempt.objects.filter(assessment__in=assessments)
    cards = CardState.objects.filter(user__in=users)
    by_model = {
        User: users.order_by("username"),
        Team: teams,
        Membership: Membership.objects.filter(team__in=teams),
        Invite: Invite.objects.filter(team__in=teams),
        StudySettings: StudySettings.objects.filter(user__in=users),
        Assessment: assessments,
        AssessmentItem: AssessmentItem.objects.filter(assessment__in=assessments),
        Attempt: attempts,
        AttemptQuestion: AttemptQuestion.objects.filter(attempt__in=attempts),
        CardState: cards,
        Answer: Answer.objects.filter(card__in=cards),
        ReviewLog: ReviewLog.objects.filter(card__in=cards),
        DailyReviewSummary: DailyReviewSummary.objects.filter(user__in=users),
    }
    return [row for model in MODELS for row in by_model[model].order_by("pk")]


def demo_fixture() -> str:
    """Return the demo rows in the database as a fixture: JSON, one object per line.

    Ids are renumbered from 1 per model (and every reference with them), users and content are
    referred to by natural key, so the file is the same whatever database it was built in.
    """
    rows = serializers.serialize(
        "python", _demo_objects(), use_natural_foreign_keys=True, use_natural_primary_keys=True
    )
    _keep_applied_outcomes(rows)
    renumbered: dict[str, dict] = {}
    for row in rows:
        if "pk" in row:
            ids = renumbered.setdefault(row["model"], {})
            ids[row["pk"]] = len(ids) + 1
    for row in rows:
        model = next(m for m in MODELS if m._meta.label_lower == row["model"])
        if "pk" in row:
            row["pk"] = renumbered[row["model"]][row["pk"]]
        for field in model._meta.concrete_fields:
            target = field.related_model
            if field.is_relation and target is not None and field.name in row["fields"]:
                ids = renumbered.get(target._meta.label_lower)
                value = row["fields"][field.name]
                if ids is not None and value is not None:
                    row["fields"][field.name] = ids[value]
    lines = [json.dumps(row, cls=serializers.json.DjangoJSONEncoder, sort_keys=True)
             for row in rows]  # fmt: skip
    return "[\n" + ",\n".join(lines) + "\n]\n"


def _keep_applied_outcomes(rows: list[dict]) -> None:
    """Keep, of each rated answer's previewed outcomes, the one its rating applied.

    The others only drew the rating buttons, which a rated answer never shows again; leaving
    them out makes the file a third of the size.
    """
    ratings = {row["fields"]["answer"]: str(row["fields"]["rating"])
               for row in rows if row["model"] == "study.reviewlog"}  # fmt: skip
    for row in rows:
        rating = ratings.get(row.get("pk")) if row["model"] == "study.answer" else None
        if rating is not None:
            outcomes = row["fields"]["outcomes"]
            row["fields"]["outcomes"] = {rating: outcomes[rating]}


def build_fixture(history_days: int = HISTORY_DAYS) -> str:
    """Build the demo in a transaction, read it as a fixture, roll everything back."""
    with transaction.atomic():
        build_demo(history_days)
        text = demo_fixture()
        transaction.set_rollback(True)
    return text


@dataclass(frozen=True)
class Loaded:
    objects: int
    shifted_by: timedelta


def is_loaded() -> bool:
    """Return whether the demo team is in the database already."""
    return Invite.objects.filter(token=INVITE_TOKEN).exists()


SNAPSHOT_DATES = ("due", "last_review", "buried_until")


def _shift_json(value: object, delta: timedelta) -> object:
    """Move the ISO dates card snapshots hold ("due", "last_review"…) by `delta`."""
    if not isinstance(value, dict):
        return value
    shifted = {}
    for key, item in value.items():
        if key in SNAPSHOT_DATES and isinstance(item, str):
            shifted[key] = _moved(item, delta)
        else:
            shifted[key] = _shift_json(item, delta)
    return shifted


def _moved(text: str, delta: timedelta) -> str:
    try:
        return (datetime.fromisoformat(text) + delta).isoformat()
    except ValueError:
        return text


def _shift(instance: models.Model, delta: timedelta) -> None:
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname)
        # Dates and datetimes alike: the daily review summaries' days move with their reviews
        # (by whole days, in UTC, the demo learners' time zone).
        if isinstance(field, models.DateField) and value is not None:
            setattr(instance, field.attname, value + delta)
        elif isinstance(field, models.JSONField) and isinstance(value, dict):
            setattr(instance, field.attname, _shift_json(value, delta))


def _taken_ids(objects: Iterable) -> list[str]:
    """Return "model id" of the fixture's rows whose id is already used in the database."""
    wanted: dict[type, set[int]] = {}
    for deserialized in objects:
        instance = deserialized.object
        if instance.pk is not None and not isinstance(instance, User):
            wanted.setdefault(type(instance), set()).add(instance.pk)
    taken = []
    for model, ids in wanted.items():
        found = model.objects.filter(pk__in=ids).values_list("pk", flat=True).order_by("pk")[:3]
        taken += [f"{model._meta.label} {pk}" for pk in found]
    return taken


def load_demo(path: Path, now: datetime) -> Loaded:
    """Load a demo fixture in one transaction, its dates moved by whole days so that its ANCHOR
    falls today (the learner's sessions keep their time of day, the last one yesterday).

    DemoError when a row of the fixture would overwrite a row of this database (ids taken).
    """
    delta = timedelta(days=(now.astimezone(UTC).date() - ANCHOR.date()).days)
    text = path.read_text(encoding="utf-8")
    try:
        return _load(text, delta)
    except DeserializationError as error:
        raise DemoError(
            f"{path} does not fit this database ({str(error).splitlines()[0][:200]}). "
            "Load the banks first; if they or the models changed, rebuild it with "
            "`make demo-fixture`."
        ) from error


def _load(text: str, delta: timedelta) -> Loaded:
    with transaction.atomic():
        # First read: would any row overwrite one of this database? (Users are matched by
        # username, so a "demo" made by create_demo_users is updated, never duplicated.)
        taken = _taken_ids(serializers.deserialize("json", text, handle_forward_references=True))
        if taken:
            raise DemoError(
                "This database already has rows with the demo's ids (" + ", ".join(taken[:3])
                + "): load the demo into a fresh database (remove db.sqlite3), or leave it out."
            )  # fmt: skip
        # Second read, saving as it goes: a row's natural keys name rows saved before it.
        loaded: list[type] = []
        for deserialized in serializers.deserialize("json", text):
            _shift(deserialized.object, delta)
            deserialized.save()
            loaded.append(type(deserialized.object))
        _reset_sequences(set(loaded))
    return Loaded(len(loaded), delta)


def _reset_sequences(models_loaded: set[type]) -> None:
    """Move PostgreSQL's id sequences past the loaded ids, as loaddata does."""
    from django.core.management.color import no_style
    from django.db import connection

    statements = connection.ops.sequence_reset_sql(no_style(), list(models_loaded))
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
