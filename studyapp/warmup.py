"""What a server process reads once, before it forks its workers, so that no worker pays for it
on a learner's request: the questions in study (the per-process content cache of
`banks.catalog`), the compiled templates (the cached template loader) and the URL patterns.

gunicorn loads the app in its master (`preload_app`) and calls `warm` there (the `when_ready` hook
of deploy/gunicorn.conf.py); every worker, the first ones and each one replacing a recycled
worker, is a fork that starts with all of it. Never called by the app itself.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connections
from django.template import engines
from django.template.utils import get_app_template_dirs
from django.urls import get_resolver

from studyapp.banks import catalog


def _template_names() -> list[str]:
    """Return the names of our own templates (the apps of studyapp/; the admin's are left to
    the few requests that need them)."""
    ours = Path(settings.BASE_DIR) / "studyapp"
    names: set[str] = set()
    for folder in get_app_template_dirs("templates"):
        if Path(folder).is_relative_to(ours):
            names.update(
                path.relative_to(folder).as_posix()
                for path in Path(folder).rglob("*")
                if path.is_file() and path.suffix in (".html", ".txt")
            )
    return sorted(names)


def warm() -> dict[str, float | int | str]:
    """Load the questions in study, compile every template and build the URL patterns; return
    what was loaded and the seconds it took. Closes the database connections it opened: a
    connection must never be shared with the forked workers."""
    started = time.perf_counter()
    try:
        questions: int | str = catalog.warm()
    except DatabaseError as error:  # the database is down: the workers will read it later
        questions = f"not loaded ({str(error).strip()[:200]})"
    finally:
        connections.close_all()
    templates = 0
    for name in _template_names():
        for engine in engines.all():
            engine.get_template(name)
        templates += 1
    get_resolver()._populate()  # noqa: SLF001 - what the first reverse() would do
    return {
        "questions": questions,
        "templates": templates,
        "seconds": round(time.perf_counter() - started, 3),
    }
