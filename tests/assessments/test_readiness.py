"""Readiness for assessments: the member's figure before starting, the lead's team table, the
prediction kept at the start, and calibration on the report and in the command."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command

from studyapp.accounts.models import Membership, User
from studyapp.assessments import readiness as assessment_readiness
from studyapp.assessments import services
from studyapp.assessments.models import AssessmentItem
from studyapp.banks.models import Question
from studyapp.study import readiness, scheduling
from studyapp.study.models import CardState
from studyapp.study.readiness import MINIMUM_REVIEWS, QuestionInfo, QuestionSet
from studyapp.study.readiness_selectors import learners
from tests.factories import (
    AssessmentFactory,
    BankFactory,
    QuestionFactory,
    TopicFactory,
    UserFactory,
)
from tests.readiness_data import first_try, many_reviews, studied_card

from .conftest import NOW, answers_for, member_of

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def graded(assessment):
    return list(Question.objects.filter(pk__in=assessment.items.values("question_id")))


def prepare(user, questions, *, reviews=MINIMUM_REVIEWS):
    """Study half the questions (one a week ago with stability 10 days, ...), try the rest never;
    first tries elsewhere set the prior; pad the history to `reviews` reviews."""
    other_topic = TopicFactory()
    for i, question in enumerate(questions[: len(questions) // 2]):
        studied_card(user, question, stability=5.0 + 5 * i, last_review=NOW - timedelta(days=7))
    extra = [QuestionFactory(topic=other_topic, bank__topic=other_topic) for _ in range(6)]
    for i, question in enumerate(extra):
        first_try(user, question, right=i % 3 != 0, at=NOW - timedelta(days=20))
    card = CardState.objects.filter(user=user).first()
    many_reviews(user, card, max(0, reviews - len(extra)), before=NOW)


def expected_figures(user, assessment):
    """The readiness computed here, from the learner record and the pure functions."""
    questions = graded(assessment)
    learner = learners([user.pk], [q.pk for q in questions])[user.pk]
    infos = [QuestionInfo(q.pk, q.topic_id, q.difficulty) for q in questions]
    chances = {}
    scheduler = scheduling.build_scheduler(enable_fuzzing=False)
    for info in infos:
        memory = learner.memories.get(info.question_id)
        chances[info.question_id] = (
            scheduling.retrievability(scheduler, info.question_id, memory, NOW)
            if memory
            else learner.prior.chance(info.topic_id, info.difficulty)
        )
    distribution = readiness.correct_count_distribution(chances.values())
    expected = 100 * sum(chances.values()) / len(questions)
    passing = readiness.tail(distribution, readiness.passing_count(len(questions), 50))
    return expected, passing, chances


# The member's view --------------------------------------------------------------------------------


def test_member_sees_expected_score_and_pass_chance_before_starting(client, assessment, member):
    prepare(member, graded(assessment))
    expected, passing, _ = expected_figures(member, assessment)
    html = client_get(client, member, f"/assessments/{assessment.pk}/")
    shown = re.search(r"Expected (\d+)%</span> · <span class=\"readiness-pass\">(\d+)% chance "
                      r"to pass \(50%\)", html)  # fmt: skip
    assert shown, html
    assert int(shown.group(1)) == round(expected)
    assert int(shown.group(2)) == round(100 * passing)
    assert 0.05 < passing < 0.95  # a figure worth showing, not a certainty
    assert "What these figures mean" in html
    assert "You have studied 3 of 7 of its questions" in html


def client_get(client, user, url, **headers):
    client.force_login(user)
    response = client.get(url, **headers)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_readiness_waits_for_the_minimum_of_reviews(client, assessment, member):
    prepare(member, graded(assessment), reviews=MINIMUM_REVIEWS - 1)
    html = client_get(client, member, f"/assessments/{assessment.pk}/")
    assert f"Your readiness shows once you have {MINIMUM_REVIEWS} reviews; you have 29." in html
    assert "chance to pass" not in html


def test_no_readiness_while_an_attempt_runs_or_once_closed(
    client, assessment, member, frozen_clock
):
    prepare(member, graded(assessment))
    client.force_login(member)
    client.post(f"/assessments/{assessment.pk}/start/")
    assert "Your readiness" not in client_get(client, member, f"/assessments/{assessment.pk}/")
    frozen_clock.move_to(assessment.closes_at + timedelta(minutes=1))
    assert "Your readiness" not in client_get(client, member, f"/assessments/{assessment.pk}/")


def test_the_weakest_topic_that_raises_the_pass_chance_most_comes_first(client, assessment, member):
    weak = TopicFactory(title="Volumes")
    weak_questions = [QuestionFactory(topic=weak, bank__topic=weak, difficulty=2) for _ in range(4)]
    for i, question in enumerate(weak_questions):
        AssessmentItem.objects.create(assessment=assessment, question=question, position=50 + i)
    strong = graded(assessment)
    for question in strong:
        if question.topic_id != weak.pk:
            studied_card(member, question, stability=60.0, last_review=NOW - timedelta(days=2))
    for question in weak_questions:
        studied_card(member, question, stability=1.0, last_review=NOW - timedelta(days=30))
    many_reviews(member, CardState.objects.filter(user=member).first(), 40, before=NOW)
    assessment.pass_mark = 80
    assessment.save()
    html = client_get(client, member, f"/assessments/{assessment.pk}/")
    advice = html[html.index("What would raise it most") :]
    assert re.findall(r"<div><strong>(.*?)</strong>", advice)[0] == "Volumes"
    result = assessment_readiness.member_readiness(member, assessment, NOW)
    assert result.advice[0].topic == weak
    assert result.advice[0].gain.recall < 0.65  # FSRS-6 forgets slowly after a month
    assert result.advice[0].gain.raised.pass_probability > result.readiness.pass_probability


def test_reviewing_a_topic_puts_its_questions_in_the_queue(client, assessment, member, other_lead):
    prepare(member, graded(assessment))
    topic_id = graded(assessment)[0].topic_id
    url = f"/assessments/{assessment.pk}/readiness/review/"
    client.force_login(member)
    response = client.post(url, {"topic": str(topic_id)})
    assert response.status_code == 302 and response["Location"] == "/study/"
    cards = CardState.objects.filter(user=member, question__in=graded(assessment))
    assert cards.count() == 7 and all(card.due == NOW for card in cards)
    assert {card.state for card in cards} >= {CardState.State.LEARNING}
    again = client.post(url, {"topic": str(topic_id)})  # a second click changes nothing more
    assert again.status_code == 302 and cards.count() == 7
    bad = client.post(url, {"topic": "x; DROP"}, follow=True)
    assert "That topic has no question in this assessment." in bad.content.decode()
    client.force_login(other_lead)
    assert client.post(url, {"topic": str(topic_id)}).status_code == 404
    client.logout()
    assert client.post(url, {"topic": str(topic_id)}).status_code == 302


def test_member_page_runs_a_constant_number_of_queries(
    client, assessment, member, django_assert_max_num_queries
):
    prepare(member, graded(assessment))
    client.force_login(member)
    with django_assert_max_num_queries(18) as small:
        client.get(f"/assessments/{assessment.pk}/")
    topic = TopicFactory()
    bank = BankFactory(topic=topic)
    for i in range(60):
        question = QuestionFactory(topic=topic, bank=bank, difficulty=1 + i % 3)
        if i % 2:
            studied_card(member, question, stability=8.0, last_review=NOW - timedelta(days=3))
    AssessmentItem.objects.create(assessment=assessment, topic=topic, count=20, position=90)
    AssessmentItem.objects.create(assessment=assessment, topic=topic, count=5, difficulty=3,
                                  position=91)  # fmt: skip
    with django_assert_max_num_queries(len(small.captured_queries)):
        html = client.get(f"/assessments/{assessment.pk}/").content.decode()
    assert "chance to pass" in html


# The lead's team page -----------------------------------------------------------------------------


def test_lead_sees_each_members_readiness_on_the_team_page(client, assessment, lead, member):
    prepare(member, graded(assessment))
    newcomer = member_of(assessment.team, "newcomer")
    expected, passing, _ = expected_figures(member, assessment)
    team_html = client_get(client, lead, f"/teams/{assessment.team_id}/")
    assert f'hx-get="/assessments/teams/{assessment.team_id}/readiness/"' in team_html
    assert f'href="/assessments/teams/{assessment.team_id}/readiness/"' in team_html
    fragment = client_get(client, lead, f"/assessments/teams/{assessment.team_id}/readiness/",
                          **HTMX)  # fmt: skip
    assert "<html" not in fragment and "Service types" in fragment
    row = re.search(r"<td>member</td>\s*<td class=\"num\">(\d+)%</td>\s*<td class=\"num\">(\d+)%",
                    fragment)  # fmt: skip
    assert row and (int(row.group(1)), int(row.group(2))) == (round(expected), round(100 * passing))
    assert re.search(
        r"<td>newcomer</td>\s*<td colspan=\"2\" class=\"muted\">0 of 30 reviews", fragment
    )
    assert "<td>lead</td>" not in fragment  # leads are not assigned
    page = client_get(client, lead, f"/assessments/teams/{assessment.team_id}/readiness/")
    assert "<html" in page and "What these figures mean" in page
    assert newcomer.username in page


def test_team_page_readiness_is_for_leads_only(client, assessment, member, other_lead):
    url = f"/assessments/teams/{assessment.team_id}/readiness/"
    assert "readiness/" not in client_get(client, member, f"/teams/{assessment.team_id}/")
    for user in (member, other_lead):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_team_readiness_lists_open_assessments_and_their_assignees(assessment, lead, member):
    closed = AssessmentFactory(team=assessment.team, title="Closed",
                               opens_at=NOW - timedelta(days=9), closes_at=NOW - timedelta(days=1))  # fmt: skip
    draft = AssessmentFactory(team=assessment.team, title="Draft", is_published=False)
    chosen = AssessmentFactory(team=assessment.team, title="Chosen", assigned_to_all=False,
                               closes_at=NOW + timedelta(days=30))  # fmt: skip
    someone = member_of(assessment.team, "someone")
    chosen.assignees.add(someone)
    chosen.assignees.add(UserFactory(username="left-the-team"))
    tables = assessment_readiness.team_readiness(assessment.team, NOW)
    assert [t.assessment.title for t in tables] == ["Service types", "Chosen"]
    assert [row.user.username for row in tables[0].rows] == ["member", "someone"]
    assert [row.user.username for row in tables[1].rows] == ["someone"]
    assert closed and draft


def make_members(team, count: int, questions: list[Question]):
    users = User.objects.bulk_create(User(username=f"m{team.pk}-{i}") for i in range(count))
    Membership.objects.bulk_create(Membership(team=team, user=u) for u in users)
    cards = [
        CardState(user=u, question=q, state=2, stability=3.0 + (i + j) % 20, difficulty=5.0,
                  last_review=NOW - timedelta(days=(i * j) % 9), due=NOW)
        for i, u in enumerate(users) for j, q in enumerate(questions) if (i + j) % 3
    ]  # fmt: skip
    CardState.objects.bulk_create(cards)
    by_user = {}
    for card in CardState.objects.filter(user__in=users):
        by_user.setdefault(card.user_id, card)
    for user in users:
        many_reviews(user, by_user[user.pk], MINIMUM_REVIEWS, before=NOW)
    return users


def fifty_question_assessment(team):
    """20 fixed questions and three draws of 10 from topics of 40: 50 questions an attempt."""
    assessment = AssessmentFactory(team=team, title="Onboarding", pass_mark=70,
                                   opens_at=NOW - timedelta(days=1), closes_at=NOW + timedelta(days=5))  # fmt: skip
    questions = []
    for t in range(4):
        topic = TopicFactory()
        bank = BankFactory(topic=topic)
        questions += [QuestionFactory(topic=topic, bank=bank, difficulty=1 + i % 3)
                      for i in range(40)]  # fmt: skip
        if t == 0:
            for position, question in enumerate(questions[:20]):
                AssessmentItem.objects.create(assessment=assessment, question=question,
                                              position=position)  # fmt: skip
        else:
            AssessmentItem.objects.create(assessment=assessment, topic=topic, count=10,
                                          position=100 + t)  # fmt: skip
    return assessment, questions


@pytest.mark.slow
@pytest.mark.parametrize("members", [10, 100])
def test_readiness_of_a_50_question_assessment_over_100_members_in_constant_queries(
    client, team, lead, members, django_assert_num_queries
):
    assessment, questions = fifty_question_assessment(team)
    make_members(team, members, questions)
    with django_assert_num_queries(10):
        tables = assessment_readiness.team_readiness(team, NOW)
    [table] = tables
    assert len(table.rows) == members
    assert all(row.readiness and row.readiness.question_count == 50 for row in table.rows)
    assert all(row.readiness.method == "exact" for row in table.rows)
    client.force_login(lead)
    with django_assert_num_queries(13):  # + the session, its user and the team
        client.get(f"/assessments/teams/{team.pk}/readiness/", **HTMX)


# The prediction kept at the start, and calibration -----------------------------------------------


def test_starting_keeps_the_prediction_for_the_questions_drawn(assessment, member):
    prepare(member, graded(assessment))
    expected, passing, chances = expected_figures(member, assessment)
    attempt = services.start_attempt(assessment=assessment, user=member, now=NOW)
    attempt.refresh_from_db()
    assert attempt.predicted_score == pytest.approx(expected)
    assert attempt.predicted_pass_probability == pytest.approx(passing)
    for row in attempt.questions.all():
        assert row.predicted_probability == pytest.approx(chances[row.question_id])


def test_no_prediction_is_kept_below_the_minimum_of_reviews(assessment, member):
    prepare(member, graded(assessment), reviews=5)
    attempt = services.start_attempt(assessment=assessment, user=member, now=NOW)
    attempt.refresh_from_db()
    assert attempt.predicted_score is None and attempt.predicted_pass_probability is None
    assert not attempt.questions.filter(predicted_probability__isnull=False).exists()


def take(assessment, user, right: set[str]):
    attempt = services.start_attempt(assessment=assessment, user=user, now=NOW)
    slugs = set(attempt.questions.values_list("question_slug", flat=True))
    services.submit_attempt(attempt_id=attempt.pk, user=user, now=NOW + timedelta(minutes=5),
                            data=answers_for(attempt, right=right, wrong=slugs - right))  # fmt: skip
    attempt.refresh_from_db()
    return attempt


def test_the_report_shows_predicted_against_actual(client, assessment, lead, member, other_member):
    questions = graded(assessment)
    prepare(member, questions)
    prepare(other_member, questions, reviews=3)  # no prediction for them
    done = take(assessment, member, right={q.slug for q in questions[:5]})
    take(assessment, other_member, right=set())
    html = client_get(client, lead, f"/assessments/{assessment.pk}/report/")
    section = html[html.index("Predicted against the result") :]
    assert f"{done.predicted_score:.0f}%</td>" in section
    assert "1 submitted attempt with a prediction" in section
    assert "1 more had none" in section
    report = assessment_readiness.calibration_report(assessment.attempts.all())
    assert report.questions.count == 7 and report.attempts.count == 1
    expected_brier = (
        sum((row.predicted_probability - bool(row.is_correct)) ** 2 for row in done.questions.all())
        / 7
    )
    assert report.questions.brier == pytest.approx(expected_brier)
    assert f"Brier score {expected_brier:.3f}" in section


@pytest.mark.slow
def test_report_with_predictions_runs_a_constant_number_of_queries(
    client, assessment, lead, django_assert_max_num_queries
):
    questions = graded(assessment)
    counts = []
    for size in (2, 10):
        for i in range(size):
            user = member_of(assessment.team, f"taker-{size}-{i}")
            prepare(user, questions)
            take(assessment, user, right={q.slug for q in questions[: i % 7]})
        client.force_login(lead)
        with django_assert_max_num_queries(20) as queries:
            client.get(f"/assessments/{assessment.pk}/report/")
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]


def test_calibration_command_prints_the_tables(assessment, member, other_member):
    questions = graded(assessment)
    for user in (member, other_member):
        prepare(user, questions)
        take(assessment, user, right={q.slug for q in questions[:4]})
    out = io.StringIO()
    call_command("readiness_calibration", stdout=out)
    text = out.getvalue()
    assert "Submitted attempts with a prediction: 2" in text
    assert "Questions (chance of a right answer): 14 predictions" in text
    assert "Attempts (chance to pass): 2 predictions" in text
    assert re.search(r"Brier score 0\.\d{4} \(always predicting the observed share", text)
    assert "log loss" in text
    out = io.StringIO()
    call_command("readiness_calibration", "--team", str(assessment.team_id), stdout=out)
    assert "with a prediction: 2" in out.getvalue()
    with pytest.raises(CommandError, match="No assessment with id 999999"):
        call_command("readiness_calibration", "--assessment", "999999")


def test_question_set_follows_the_draw_rule_of_attempts(assessment):
    topic = TopicFactory()
    bank = BankFactory(topic=topic)
    made = [QuestionFactory(topic=topic, bank=bank, difficulty=1 + i % 3) for i in range(9)]
    QuestionFactory(topic=topic, bank=bank, type="flashcard", truth=None)  # never in assessments
    QuestionFactory(topic=topic, bank=bank, is_retired=True)
    AssessmentItem.objects.create(assessment=assessment, question=made[0], position=70)
    AssessmentItem.objects.create(assessment=assessment, topic=topic, count=3, difficulty=2,
                                  position=71)  # fmt: skip
    AssessmentItem.objects.create(assessment=assessment, topic=topic, count=4, position=72)
    items = list(assessment.items.all())
    question_set = assessment_readiness.question_set_for(items, services._candidates(items))
    fixed = set(
        assessment.items.filter(question__isnull=False).values_list("question_id", flat=True)
    )
    assert set(question_set.fixed) == fixed
    assert question_set.draws[0] == readiness.Draw(
        tuple(sorted(q.pk for q in made if q.difficulty == 2)), 3
    )
    assert question_set.draws[1] == readiness.Draw(tuple(sorted(q.pk for q in made)), 4)
    # Attempts drawn by the service only ever hold questions the set may hold.
    for seed in range(15):
        import random

        drawn = services.draw_attempt_questions(assessment=assessment, rng=random.Random(seed))
        assert {row.question_id for row in drawn} <= question_set.question_ids()
        assert len(drawn) == 7 + 1 + 3 + 4
    assert isinstance(question_set, QuestionSet)


def test_team_readiness_leaves_out_members_with_no_attempt_left(assessment, member):
    questions = graded(assessment)
    prepare(member, questions)
    take(assessment, member, right={q.slug for q in questions[:2]})
    [table] = assessment_readiness.team_readiness(assessment.team, NOW)
    [row] = [row for row in table.rows if row.user == member]
    assert row.readiness is None and not row.has_attempt_left
    assert row.best_score == pytest.approx(100 * 2 / 7, abs=0.01) and row.passed is False
    assessment.attempts_allowed = 2
    assessment.save()
    [table] = assessment_readiness.team_readiness(assessment.team, NOW)
    [row] = [row for row in table.rows if row.user == member]
    assert row.readiness is not None and row.has_attempt_left
