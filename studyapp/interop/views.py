"""Downloads for other tools: a topic as an Anki deck or as Moodle GIFT.

They carry every answer, so they need a login, and leave out restricted (assessment) banks.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from studyapp.banks.models import Topic
from studyapp.core.http import HtmxHttpRequest

from .anki_export import build_package, questions_for_export
from .gift import export_gift


@login_required
@require_GET
def topic_apkg(request: HtmxHttpRequest, slug: str) -> FileResponse:
    """The topic's questions as an Anki deck."""
    topic = get_object_or_404(Topic, slug=slug)
    handle = tempfile.NamedTemporaryFile(suffix=".apkg")  # noqa: SIM115 - closed by the response
    build_package(questions_for_export(topic_slug=topic.slug), Path(handle.name))
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=f"kubeprep-{topic.slug}.apkg",
                        content_type="application/apkg")  # fmt: skip


@login_required
@require_GET
def topic_gift(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The topic's choice, true/false and short questions in Moodle's GIFT format."""
    topic = get_object_or_404(Topic, slug=slug)
    result = export_gift(questions_for_export(topic_slug=topic.slug))
    response = HttpResponse(result.text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kubeprep-{topic.slug}.gift.txt"'
    return response
