"""Columns holding HTML rendered from markdown when its text was written, and the models' hook
that fills them on every save.

Only `core/markdown.py` writes these columns (its output is sanitized by nh3, or escaped), so
they are read back marked safe: templates print them as they are, and nothing renders markdown
while serving a page.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.safestring import SafeString, mark_safe


class RenderedHtmlField(models.TextField):
    """Sanitized HTML rendered from another column of the row; read back as safe."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> SafeString:
        return mark_safe(value or "")  # noqa: S308 - written by core/markdown.py only


class RenderedHtmlListField(models.JSONField):
    """A list of sanitized HTML texts rendered from a list column of the row; read back as safe."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", list)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> list[SafeString]:
        values = super().from_db_value(value, expression, connection)
        return [mark_safe(text) for text in values or []]  # noqa: S308 - see RenderedHtmlField


class StoresRenderedHtml(models.Model):
    """A model whose markdown columns (`html_sources`) have rendered twins (`html_fields`) that
    `render_html` fills: every save renders them, so every writer stores them.

    Bulk writers (`bulk_create`, `bulk_update`, `QuerySet.update`) skip `save`: they call
    `render_html` on each object themselves.
    """

    html_sources: tuple[str, ...] = ()
    html_fields: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        update_fields = kwargs.get("update_fields")
        if update_fields is None:
            self.render_html()
        elif set(update_fields) & set(self.html_sources):
            self.render_html()
            kwargs["update_fields"] = {*update_fields, *self.html_fields}
        super().save(*args, **kwargs)

    def render_html(self) -> None:
        """Render the markdown columns into their HTML twins (not saved)."""
        raise NotImplementedError
