"""Study pages: the review queue, answering and rating, practice, settings and the revlog export."""

from __future__ import annotations

import csv
import random
import re
import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.db import transaction
from django.db.models import F
from django.http import Http404, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from studyapp.banks.grading import grade, unanswered_reason
from studyapp.banks.models import Question, Topic
from studyapp.core.http import HtmxHttpRequest, is_fragment_request

from . import drill as drill_module
from . import optimizing, scheduling, selectors, services, summaries
from .answering import choice_order, item_order, parse_response, study_choice_seed
from .forms import StudySettingsForm
from .models import Answer, StudySettings
from .revlog import revlog_rows

SHOWN_AT_SALT = "study.shown_at"
PRACTICE_ORDER_SALT = "study.practice_choice_order"


def _shown_token() -> str:
    """Return a signed timestamp of when the question was shown."""
    return signing.Signer(salt=SHOWN_AT_SALT).sign(str(int(timezone.now().timestamp() * 1000)))


def _duration_ms(token: str) -> int:
    """Return the milliseconds since the question was shown (0 if the token is not ours)."""
    try:
        shown_ms = int(signing.Signer(salt=SHOWN_AT_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return 0
    return max(0, int(timezone.now().timestamp() * 1000) - shown_ms)


def _study_order(user_id: int, question: Question, version: int) -> list[int]:
    """Return the order a card's choices are shown in for this learner and card version."""
    seed = study_choice_seed(user_id, question.slug, version)
    return choice_order(seed, len(question.choices.all()))


def _practice_order_token(question: Question, order: list[int]) -> str:
    """Return the practice form's signed choice order (practice has no card version to key)."""
    value = f"{question.pk}:{','.join(str(index) for index in order)}"
    return signing.Signer(salt=PRACTICE_ORDER_SALT).sign(value)


def _practice_order(question: Question, token: str) -> list[int] | None:
    """Return the choice order a practice form was shown with, or None if the token is not ours
    or not for this question."""
    try:
        value = signing.Signer(salt=PRACTICE_ORDER_SALT).unsign(token)
    except signing.BadSignature:
        return None
    pk, _, indexes = value.partition(":")
    order = [int(index) for index in indexes.split(",") if index.isdigit()]
    size = len(question.choices.all())
    if pk != str(question.pk) or sorted(order) != list(range(size)):
        return None
    return order


def _shown_choices(question: Question, order: list[int], response: list | None = None) -> list:
    """Return the choices in the order shown, each with its displayed position."""
    choices = list(question.choices.all())
    chosen = {str(value) for value in response or []}
    return [
        {"position": position, "choice": choices[index], "chosen": str(index) in chosen}
        for position, index in enumerate(order)
        if index < len(choices)
    ]


def _question_context(
    question: Question,
    version: int,
    order: list[int],
    *,
    given: list | None = None,
    shown_token: str = "",
) -> dict:
    items = item_order(f"{question.pk}:{version}", len(question.items))
    given = given or []
    return {
        "question": question,
        "card_version": version,
        "shown_token": shown_token or _shown_token(),
        "items_shown": [
            (index, question.items_html[original]) for index, original in enumerate(items)
        ],
        "choices": _shown_choices(question, order),
        "given_text": given[0] if given and question.type in ("short", "yaml") else None,
        "given_cloze": given if question.type == "cloze" else [],
    }


def _render(request: HtmxHttpRequest, context: dict, status: int = 200) -> TemplateResponse:
    template = "study/study.html#panel" if is_fragment_request(request) else "study/study.html"
    response = TemplateResponse(request, template, context, status=status)
    response["Vary"] = "HX-Request"
    return response


def _study_context(request: HtmxHttpRequest, settings: StudySettings | None = None) -> dict:
    now = timezone.now()
    settings = settings or selectors.study_settings(request.user, now)
    today = selectors.today_counts(request.user, settings, now)
    question, card = selectors.next_card(request.user, settings, now, today)
    counts = selectors.queue_counts(request.user, settings, now, today)
    context: dict = {"counts": counts, "mode": "study"}
    if question is None:
        context["next_due"] = selectors.next_learning_due(request.user, settings, now)
        context["learning_steps"] = today.answers - today.new - today.reviews
        return context
    version = card.version if card else 0
    context.update(
        _question_context(question, version, _study_order(request.user.pk, question, version))
    )
    context["card"] = card
    return context


@login_required
@require_GET
def study(request: HtmxHttpRequest) -> TemplateResponse:
    """The next card of the review queue, or the day's summary when nothing is due."""
    return _render(request, _study_context(request))


@login_required
@require_POST
def answer(request: HtmxHttpRequest) -> HttpResponse:
    """Grade an answer to the card on screen; show the result and the rating buttons.

    An answer that says nothing yet (empty, or a manifest that is not YAML) comes back in its
    form with the reason, and nothing is recorded.
    """
    question_pk, version = request.POST.get("question", ""), request.POST.get("version", "")
    if not (re.fullmatch(r"[0-9]{1,18}", question_pk) and re.fullmatch(r"[0-9]{1,9}", version)):
        return HttpResponseBadRequest("The form is missing the question or its version.")
    settings = selectors.study_settings(request.user)
    try:
        question = selectors.question_for_study(
            int(question_pk), content_version=settings.content_version
        )
    except Question.DoesNotExist:
        question = None
    if question is None or question.is_retired:
        messages.error(request, "That question is no longer in study.")
        return redirect("study")
    version = int(version)
    order = _study_order(request.user.pk, question, version)
    response = parse_response(
        question.type,
        question.prompt,
        f"{question.pk}:{version}",
        len(question.items),
        request.POST,
        choice_order=order,
    )
    now = timezone.now()
    try:
        result = services.submit_answer(
            user=request.user,
            settings=settings,
            question=question,
            card_version=version,
            response=response,
            duration_ms=_duration_ms(request.POST.get("shown", "")),
            now=now,
        )
    except services.NotGradedError as error:
        context = {
            "mode": "study",
            "counts": selectors.queue_counts(request.user, settings, now),
            "form_message": str(error),
            **_question_context(
                question, version, order, given=response, shown_token=_echoed_shown(request)
            ),
        }
        return _render(request, context, status=200 if is_fragment_request(request) else 400)
    except services.StudyError as error:
        messages.info(request, str(error))
        return redirect("study")
    if is_fragment_request(request):
        return _render(request, _answer_context(request, result, question, order))
    return redirect("study_answer", result.pk)


def _echoed_shown(request: HtmxHttpRequest) -> str:
    """Return the form's signed "shown at" token when it is ours (the time keeps running)."""
    token = request.POST.get("shown", "")
    try:
        signing.Signer(salt=SHOWN_AT_SALT).unsign(token)
    except signing.BadSignature:
        return ""
    return token


def _rating_buttons(answer: Answer) -> list[dict]:
    """Return the rating buttons of an answer, each with the interval it gives."""
    ratings = answer.ratings
    default = scheduling.GOOD if scheduling.GOOD in ratings else scheduling.AGAIN
    return [
        {
            "rating": rating,
            "name": scheduling.RATING_NAMES[rating],
            "interval": scheduling.interval_label(
                scheduling.Memory.from_json(answer.outcomes[str(rating)]).due - answer.created_at
            ),
            "is_default": rating == default,
        }
        for rating in ratings
        if str(rating) in answer.outcomes
    ]


def _answer_context(
    request: HtmxHttpRequest,
    answer: Answer,
    question: Question | None = None,
    order: list[int] | None = None,
) -> dict:
    """Return the result page's context; `order` is the choices' order when the caller has it
    (the answer POST worked it out for this learner and card version)."""
    question = question or selectors.question_for_study(answer.card.question_id)
    if order is None:
        order = _study_order(request.user.pk, question, answer.card_version)
    return {
        "mode": "result",
        "answer": answer,
        "question": question,
        "choices": _shown_choices(question, order, answer.response),
        "buttons": _rating_buttons(answer),
        "learner_text": answer.response[0] if answer.response else "",
        "learner_order": [question.items_html[i] for i in answer.response if isinstance(i, int)],
        "cloze_given": answer.response,
        # No queue counts here: they cost a third of the answer POST and change only on rating.
    }


@login_required
@require_GET
def answer_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The result of an answer with its rating buttons (until it is rated)."""
    result = get_object_or_404(Answer.objects.select_related("card"), pk=pk, user=request.user)
    if hasattr(result, "review") or not result.is_current:
        return redirect("study")
    return _render(request, _answer_context(request, result))


def _back_to_answer_or_queue(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """After a refused action on an answer: back to it while it may still be rated, else to the
    queue (its card moved on in another tab: reviewed, undone, buried or suspended)."""
    still_open = Answer.objects.filter(
        pk=pk, user=request.user, review__isnull=True, card_version=F("card__version")
    )
    return redirect("study_answer", pk) if still_open.exists() else redirect("study")


@login_required
@require_POST
def override(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """ "I was right": mark a wrong typed answer right, then rate it Hard, Good or Easy."""
    try:
        result = services.override_answer(user=request.user, answer_id=pk)
    except services.StudyError as error:
        messages.error(request, str(error))
        return _back_to_answer_or_queue(request, pk)
    if is_fragment_request(request):
        return _render(request, _answer_context(request, result))
    return redirect("study_answer", result.pk)


@login_required
@require_POST
def rate(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Rate an answer; the interval applied is the one its button showed."""
    try:
        rating = int(request.POST.get("rating", ""))
    except ValueError:
        return HttpResponseBadRequest("Choose a rating: 1 Again, 2 Hard, 3 Good or 4 Easy.")
    settings = selectors.study_settings(request.user)
    try:
        result = services.rate_answer(
            user=request.user, settings=settings, answer_id=pk, rating=rating, now=timezone.now()
        )
    except services.StudyError as error:
        messages.error(request, str(error))
        return _back_to_answer_or_queue(request, pk)
    if result.became_leech:
        messages.warning(
            request,
            f"This card has lapsed {result.review.card.lapses} times: it is tagged leech and "
            "suspended. Rewrite your notes on it, then unsuspend it from the settings page.",
        )
    if is_fragment_request(request):
        return _render(request, _study_context(request, settings))
    return redirect("study")


@login_required
@require_POST
def undo(request: HtmxHttpRequest) -> HttpResponse:
    """Undo the last review: the card returns to its exact previous state."""
    review = services.undo_last_review(user=request.user)
    if review is None:
        messages.info(request, "There is no review to undo.")
    else:
        messages.success(request, "Undone: the last review was removed.")
    if is_fragment_request(request):
        return _render(request, _study_context(request))
    return redirect("study")


@login_required
@require_POST
def card_action(request: HtmxHttpRequest, slug: str, action: str) -> HttpResponse:
    """Suspend, unsuspend or bury the card of a question."""
    question = get_object_or_404(Question, slug=slug)
    now = timezone.now()
    settings = selectors.study_settings(request.user)
    if action == "suspend":
        services.set_suspended(user=request.user, question=question, suspended=True, now=now)
        messages.success(request, "Card suspended: it will not come back until you unsuspend it.")
    elif action == "unsuspend":
        services.set_suspended(user=request.user, question=question, suspended=False, now=now)
        messages.success(request, "Card unsuspended.")
    elif action == "bury":
        services.bury(user=request.user, settings=settings, question=question, now=now)
        messages.success(request, "Card buried until tomorrow.")
    else:
        raise Http404("Unknown action.")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "study"
    return redirect(target or "study")


def _back_to(request: HtmxHttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return default
    return target or default


@login_required
@require_POST
def add_topic(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Add a topic to the learner's reviews: its new cards come first, within the daily limit."""
    topic = get_object_or_404(Topic, slug=slug)
    added = services.add_topic_to_reviews(user=request.user, topic=topic)
    settings = selectors.study_settings(request.user)
    waiting = selectors.new_in_topic(request.user, settings, topic, timezone.now())
    if not added:
        messages.info(request, f"{topic.title} is already in your reviews.")
    elif settings.new_per_day == 0:
        messages.warning(
            request,
            f"{topic.title} is in your reviews, but your daily limit of new cards is 0: raise it "
            "in your study settings to start its questions.",
        )
    else:
        today = selectors.today_counts(request.user, settings, timezone.now())
        when = (
            f" You have started today's {settings.new_per_day} already: they begin tomorrow, "
            "unless you raise the limit."
            if today.new >= settings.new_per_day and waiting
            else ""
        )
        messages.success(
            request,
            f"{topic.title} is in your reviews: its {waiting} new card{pluralize(waiting)} come "
            f"first in your queue, up to {settings.new_per_day} new cards a day (your daily "
            f"limit, in settings).{when}",
        )
    return redirect(_back_to(request, reverse("topic_detail", args=[topic.slug])))


@login_required
@require_POST
def remove_topic(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Take a topic out of the learner's added topics."""
    topic = get_object_or_404(Topic, slug=slug)
    if services.remove_topic_from_reviews(user=request.user, topic=topic):
        messages.success(
            request,
            f"{topic.title} is no longer first in line; the cards you started stay in review.",
        )
    return redirect(_back_to(request, reverse("topic_detail", args=[topic.slug])))


@login_required
@require_http_methods(["GET", "POST"])
def settings_view(request: HtmxHttpRequest) -> HttpResponse:
    """The learner's study settings; a change takes effect on the next card."""
    settings = selectors.study_settings(request.user)
    form = StudySettingsForm(request.POST or None, instance=settings)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            # Save only the form's fields: the fitted FSRS parameters may change meanwhile.
            settings = form.save(commit=False)
            many = ("topics", "banks", "added_topics")
            settings.save(update_fields=[f for f in form.Meta.fields if f not in many])
            form.save_m2m()
            if "time_zone" in form.changed_data:  # the study days' boundaries moved
                summaries.rebuild([request.user.pk])
        messages.success(request, "Settings saved. They apply from the next card.")
        return redirect("study_settings")
    suspended = (
        settings.user.cards.filter(is_suspended=True)
        .select_related("question__topic")
        .order_by("pk")
    )
    context = {
        "form": form,
        "suspended": suspended,
        "study_settings": settings,
        "review_count": summaries.review_count(request.user),
        "minimum_reviews": optimizing.MINIMUM_REVIEWS,
        "fitted_evaluation": optimizing.fitted_evaluation(settings),
    }
    return TemplateResponse(request, "study/settings.html", context)


@login_required
@require_POST
def optimize(request: HtmxHttpRequest) -> HttpResponse:
    """Fit the learner's FSRS parameters to their reviews; keep them if they predict better."""
    try:
        result = optimizing.optimize_parameters(request.user)
    except optimizing.OptimizationError as error:
        messages.error(request, str(error))
        return redirect("study_settings")
    current = "your parameters" if result.had_personal_parameters else "the FSRS defaults"
    figures = (
        f"Before ({current}): {result.before}. After: {result.after}. "
        f"From {result.review_count} reviews."
    )
    if result.is_kept:
        messages.success(request, f"New parameters kept: they schedule from now on. {figures}")
    else:
        messages.info(
            request,
            f"Nothing changed: {current} already predict your reviews as well or better. {figures}",
        )
    return redirect("study_settings")


@login_required
@require_http_methods(["GET", "POST"])
def practice(request: HtmxHttpRequest) -> HttpResponse:
    """Questions of a topic in random order, graded, never changing the schedule."""
    if request.method == "GET" and not request.GET.get("topic"):
        messages.info(request, "Pick a topic to practise: each topic page has a Practice button.")
        return redirect("home")
    topic = get_object_or_404(Topic, slug=request.GET.get("topic") or request.POST.get("topic", ""))
    if request.method == "POST":
        question_pk = request.POST.get("question", "")
        if not re.fullmatch(r"[0-9]{1,18}", question_pk):
            return HttpResponseBadRequest("The form is missing the question.")
        question = get_object_or_404(Question.objects.public(), pk=question_pk, topic=topic)
        question = selectors.question_for_study(question.pk)
        order = _practice_order(question, request.POST.get("order", ""))
        if order is None:
            return HttpResponseBadRequest(
                "The form is missing the order its choices were shown in."
            )
        response = parse_response(
            question.type,
            question.prompt,
            f"{question.pk}:0",
            len(question.items),
            request.POST,
            choice_order=order,
        )
        spec = question.to_spec()
        reason = None if question.type == "flashcard" else unanswered_reason(spec, response)
        if reason:
            context = {
                "mode": "practice",
                "topic": topic,
                "form_message": reason,
                "order_token": request.POST["order"],
                **_question_context(question, 0, order, given=response),
            }
            return _render(request, context, status=200 if is_fragment_request(request) else 400)
        verdict = None if question.type == "flashcard" else grade(spec, response)
        context = {
            "mode": "practice_result",
            "topic": topic,
            "question": question,
            "verdict": verdict,
            "choices": _shown_choices(question, order, response),
            "learner_text": response[0] if response else "",
            "learner_order": [question.items_html[i] for i in response if isinstance(i, int)],
            "cloze_given": response,
        }
        return _render(request, context)
    ids = list(Question.objects.public().filter(topic=topic).values_list("pk", flat=True))
    if not ids:
        return _render(request, {"mode": "practice_empty", "topic": topic})
    question = selectors.question_for_study(random.choice(ids))  # noqa: S311 - not security
    order = choice_order(secrets.token_hex(8), len(question.choices.all()))
    context = {
        "mode": "practice",
        "topic": topic,
        "order_token": _practice_order_token(question, order),
        **_question_context(question, 0, order),
    }
    return _render(request, context)


@login_required
@require_GET
def export_revlog(request: HtmxHttpRequest) -> StreamingHttpResponse:
    """The learner's review log as CSV in the column layout the FSRS optimizer reads."""

    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in revlog_rows(request.user)), content_type="text/csv"
    )
    response["Content-Disposition"] = 'attachment; filename="revlog.csv"'
    return response


# Interview drill ---------------------------------------------------------------------------------

DRILL_KEY = "study.drill"
DRILL_SIZES = (5, 10, 15, 20, 30)


def _drill_pool(topic_slugs: list[str]) -> list[int]:
    """Questions to explain aloud: interview flashcards and short questions of the topics."""
    rows = (
        Question.objects.public()
        .filter(topic__slug__in=topic_slugs)
        .values_list("pk", "type", "tags")
    )
    return [
        pk
        for pk, kind, tags in rows
        if kind == Question.Type.SHORT or (kind == Question.Type.FLASHCARD and "interview" in tags)
    ]


def _key_points(question: Question) -> list[str]:
    if question.type == Question.Type.FLASHCARD and question.key_points:
        return list(question.key_points)
    return ["My answer said this"]


@login_required
@require_GET
def drill(request: HtmxHttpRequest) -> TemplateResponse:
    """The drill: choose topics, then one question at a time, then a summary."""
    state = request.session.get(DRILL_KEY)
    if not state:
        topics = Topic.objects.order_by("position")
        return TemplateResponse(request, "study/drill.html", {"mode": "setup", "topics": topics,
                                                               "sizes": DRILL_SIZES})  # fmt: skip
    if state["index"] >= len(state["ids"]):
        results = [drill_module.DrillResult(**row) for row in state["results"]]
        titles = dict(Topic.objects.values_list("slug", "title"))
        weak = [
            (slug, titles.get(slug, slug), share)
            for slug, share in drill_module.weak_topics(results)
        ]
        rows = [(result, titles.get(result.topic, result.topic)) for result in results]
        context = {"mode": "summary", "results": results, "rows": rows, "weak": weak,
                   "total_ms": sum(r.elapsed_ms for r in results)}  # fmt: skip
        return TemplateResponse(request, "study/drill.html", context)
    question = selectors.question_for_study(state["ids"][state["index"]], with_snippets=False)
    context = {"mode": "question", "question": question, "position": state["index"] + 1,
               "count": len(state["ids"]), "shown_token": _shown_token()}  # fmt: skip
    answer_id = state.get("answer")
    if answer_id:
        answer = get_object_or_404(Answer, pk=answer_id, user=request.user)
        points = _key_points(question)
        pre_ticked = set()
        if question.type == Question.Type.SHORT and answer.response and answer.response[0].strip():
            pre_ticked = {0} if grade(question.to_spec(), answer.response).is_correct else set()
        context.update(mode="reveal", answer=answer, points=points, pre_ticked=pre_ticked,
                       fast_seconds=drill_module.fast_limit_ms(len(points)) // 1000)  # fmt: skip
    return TemplateResponse(request, "study/drill.html", context)


@login_required
@require_POST
def drill_start(request: HtmxHttpRequest) -> HttpResponse:
    """Start a drill on the chosen topics."""
    topics = request.POST.getlist("topic")
    try:
        count = int(request.POST.get("count", "10"))
    except ValueError:
        return HttpResponseBadRequest("Choose how many questions.")
    pool = _drill_pool(topics)
    if not pool:
        messages.error(request, "Choose at least one topic with interview questions.")
        return redirect("study_drill")
    seed = f"{request.user.pk}:{timezone.now().isoformat()}"
    ids = drill_module.pick(pool, max(1, min(count, 50)), seed)
    request.session[DRILL_KEY] = {"ids": ids, "index": 0, "results": [], "answer": None}
    return redirect("study_drill")


@login_required
@require_POST
def drill_reveal(request: HtmxHttpRequest) -> HttpResponse:
    """Show the model answer of the current question (what was typed is kept)."""
    state = request.session.get(DRILL_KEY)
    if not state or state["index"] >= len(state["ids"]) or state.get("answer"):
        return redirect("study_drill")
    question = selectors.question_for_study(state["ids"][state["index"]], with_snippets=False)
    card = question.card_states.filter(user=request.user).first()
    try:
        answer = services.submit_answer(
            user=request.user,
            settings=selectors.study_settings(request.user),
            question=question,
            card_version=card.version if card else 0,
            response=[request.POST.get("text", "")[:5000]],
            duration_ms=_duration_ms(request.POST.get("shown", "")),
            now=timezone.now(),
            self_graded=True,
        )
    except services.StudyError as error:
        messages.info(request, str(error))
        return redirect("study_drill")
    state["answer"] = answer.pk
    request.session.modified = True
    return redirect("study_drill")


@login_required
@require_POST
def drill_rate(request: HtmxHttpRequest) -> HttpResponse:
    """Record the key points covered; their share becomes the FSRS rating."""
    state = request.session.get(DRILL_KEY)
    if not state or not state.get("answer") or str(state["answer"]) != request.POST.get("answer"):
        return redirect("study_drill")  # already recorded (double click, another tab)
    answer = get_object_or_404(Answer.objects.select_related("card__question__topic"),
                               pk=state["answer"], user=request.user)  # fmt: skip
    question = answer.card.question
    points = _key_points(question)
    covered = {int(v) for v in request.POST.getlist("point") if re.fullmatch(r"[0-9]{1,3}", v)}
    covered_count = len({v for v in covered if v < len(points)})
    rating = drill_module.rating_for(covered_count, len(points), answer.duration_ms)
    services.rate_answer(user=request.user, settings=selectors.study_settings(request.user),
                         answer_id=answer.pk, rating=rating, now=timezone.now())  # fmt: skip
    state["results"].append(
        {
            "question_id": question.pk,
            "topic": question.topic.slug,
            "covered": covered_count,
            "points": len(points),
            "elapsed_ms": answer.duration_ms,
            "rating": rating,
        }  # fmt: skip
    )
    state["index"] += 1
    state["answer"] = None
    request.session.modified = True
    return redirect("study_drill")


@login_required
@require_POST
def drill_stop(request: HtmxHttpRequest) -> HttpResponse:
    """End the drill now (to the summary), or clear it (`restart`)."""
    state = request.session.get(DRILL_KEY)
    if state and request.POST.get("restart"):
        del request.session[DRILL_KEY]
    elif state:
        state["ids"] = state["ids"][: state["index"]]
        state["answer"] = None
        request.session.modified = True
    return redirect("study_drill")
