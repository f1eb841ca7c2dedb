"""factory-boy factories for every model tests create directly."""

from __future__ import annotations

import datetime as _datetime

import factory
from django.utils import timezone as _timezone

from studyapp.accounts.models import Invite, Membership, Team, User
from studyapp.assessments.models import Assessment, AssessmentItem
from studyapp.banks.kubernetes import rules_id
from studyapp.banks.models import Bank, Choice, Question, Snippet, Topic


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-for-tests")


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    slug = factory.Sequence(lambda n: f"topic-{n}")
    title = factory.Sequence(lambda n: f"Topic {n}")
    position = factory.Sequence(int)


class BankFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bank

    slug = factory.Sequence(lambda n: f"bank-{n}")
    title = factory.Sequence(lambda n: f"Bank {n}")
    topic = factory.SubFactory(TopicFactory)


class SnippetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Snippet

    slug = factory.Sequence(lambda n: f"snippet-{n}")
    bank = factory.SubFactory(BankFactory)
    file = factory.LazyAttribute(lambda o: f"snippets/{o.slug}.yaml")
    title = "A Pod"
    content = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: nginx:1.27\n"
    kinds = ["Pod"]
    validated_versions = factory.LazyFunction(lambda: ["1.35", "1.36", "1.37"])
    validation_rules = factory.LazyFunction(rules_id)


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    slug = factory.Sequence(lambda n: f"question-{n}")
    bank = factory.SubFactory(BankFactory)
    topic = factory.SelfAttribute("bank.topic")
    type = "truefalse"
    prompt = "A Service has a stable virtual IP."
    explanation = "The cluster IP stays while the Service exists."
    truth = True
    position = 0
    # What renumber_study_order would give questions made in order (tests of the numbering
    # itself call it).
    study_order = factory.LazyAttribute(lambda question: question.position)
    interleaved_order = factory.LazyAttribute(lambda question: question.position)


class ChoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Choice

    question = factory.SubFactory(QuestionFactory, type="single", truth=None)
    position = factory.Sequence(int)
    text = factory.Sequence(lambda n: f"choice {n}")


# Teams and assessments ---------------------------------------------------------------------------


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.MEMBER


class InviteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invite

    team = factory.SubFactory(TeamFactory)
    created_at = factory.LazyFunction(_timezone.now)
    expires_at = factory.LazyAttribute(lambda o: o.created_at + _datetime.timedelta(days=7))


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    team = factory.SubFactory(TeamFactory)
    title = factory.Sequence(lambda n: f"Assessment {n}")
    opens_at = factory.LazyFunction(lambda: _timezone.now() - _datetime.timedelta(days=1))
    closes_at = factory.LazyAttribute(lambda o: o.opens_at + _datetime.timedelta(days=7))
    time_limit_minutes = 30
    pass_mark = 50
    is_published = True
    shuffle_questions = False
    shuffle_choices = False


class AssessmentItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssessmentItem

    assessment = factory.SubFactory(AssessmentFactory)
    question = factory.SubFactory(QuestionFactory)
    position = factory.Sequence(int)
