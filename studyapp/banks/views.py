"""Pages of the content: home, topics and snippets."""

from __future__ import annotations

import re

from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_safe

from studyapp.core.http import HtmxHttpRequest

from . import selectors
from .format import TryStep
from .highlight import highlight_yaml
from .kubernetes import checks_summary, configured_versions, rules_id

SNIPPET_PATH_RE = re.compile(r"(?<![\w/.-])(?:\./)?(?:content/)?snippets/([a-z0-9-]+)\.yaml")


@require_GET
def home(request: HtmxHttpRequest) -> TemplateResponse:
    """The topics with their question counts."""
    topics = list(selectors.topics_with_counts())
    return TemplateResponse(request, "banks/home.html", {"topics": topics})


@require_GET
def topic_detail(request: HtmxHttpRequest, slug: str) -> TemplateResponse:
    """One topic: its questions' prompts and the snippets they link."""
    topic, questions, snippets = selectors.topic_detail(slug)
    context = {"topic": topic, "questions": questions, "snippets": snippets}
    return TemplateResponse(request, "banks/topic_detail.html", context)


@require_safe
def snippet_list(request: HtmxHttpRequest) -> TemplateResponse:
    """Every runnable manifest, by topic."""
    return TemplateResponse(
        request, "banks/snippet_list.html", {"snippets": selectors.snippets_by_topic()}
    )


@require_safe
def snippet_detail(request: HtmxHttpRequest, slug: str) -> TemplateResponse:
    """A snippet: highlighted manifest, the kubectl line, try steps and validation status."""
    snippet, questions = selectors.snippet_detail(slug)
    raw_url = request.build_absolute_uri(reverse("snippet_raw", args=[snippet.slug]))
    versions = configured_versions()

    def absolute(text: str) -> str:
        """Point `snippets/<id>.yaml` at its raw URL, so the command works from anywhere."""
        return SNIPPET_PATH_RE.sub(
            lambda m: request.build_absolute_uri(reverse("snippet_raw", args=[m.group(1)])), text
        )

    steps = [TryStep(absolute(step.run), step.expect) for step in snippet.steps]
    context = {
        "snippet": snippet,
        "questions": questions,
        "raw_url": raw_url,
        "highlighted": mark_safe(highlight_yaml(snippet.content)),  # noqa: S308 - Pygments escapes
        "validation": [(v, v in snippet.validated_versions) for v in versions],
        "checked": checks_summary(snippet.kinds),
        "checked_now": snippet.validation_rules == rules_id(),
        "steps": steps,
    }
    return TemplateResponse(request, "banks/snippet_detail.html", context)


@require_safe  # HEAD too: `curl -I` and link checkers ask before downloading
def snippet_raw(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The snippet's exact stored bytes as text/yaml, for `kubectl apply -f <url>` (GET or HEAD)."""
    snippet, _ = selectors.snippet_detail(slug)
    body = snippet.content.encode("utf-8")
    response = HttpResponse(body, content_type="text/yaml; charset=utf-8")
    response["Content-Length"] = str(len(body))
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="{snippet.slug}.yaml"'
    return response
