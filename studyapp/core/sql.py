"""Plain SQL for the few hot reads where building the query in the ORM costs more than running it.

The SQL is written by hand in the selectors that own it; these helpers turn its rows into model
instances exactly as the ORM would (Django's own converters: dates and JSON on SQLite, JSON on
PostgreSQL), so the rest of the code cannot tell the difference.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.db import connection, models
from django.db.backends.utils import CursorWrapper
from django.db.models import Field, Model
from django.db.models.sql import Query

_converters: dict[tuple, tuple[Any, dict]] = {}


def cursor() -> CursorWrapper:
    """Return a cursor for the hot path's plain SQL: on PostgreSQL each statement is prepared on
    the server at its first run on the connection (planned once, not at every run: see
    studyapp/core/postgresql), elsewhere Django's own cursor. Values go as parameters (%s),
    never into the text."""
    prepared = getattr(connection, "prepared_cursor", None)
    return prepared() if prepared is not None else connection.cursor()


def columns(model: type[Model], alias: str, fields: Sequence[Field] | None = None) -> str:
    """Return `alias."column", …` for the model's concrete fields (or `fields`), in order."""
    fields = model._meta.concrete_fields if fields is None else fields
    return ", ".join(f'{alias}."{field.column}"' for field in fields)


def instance(model: type[Model], values: Sequence[Any], fields: Sequence[Field] | None = None):  # noqa: ANN201
    """Return a model instance from a row of its concrete fields (or `fields`), as loaded by the
    ORM: values converted by the database's and the fields' converters."""
    fields = tuple(model._meta.concrete_fields if fields is None else fields)
    key = (connection.alias, connection.vendor, model, fields)
    found = _converters.get(key)
    if found is None:
        compiler = connection.ops.compiler("SQLCompiler")(
            Query(model), connection, connection.alias
        )
        table = model._meta.db_table
        found = _converters[key] = (
            compiler,
            compiler.get_converters([field.get_col(table) for field in fields]),
        )
    compiler, converters = found
    if converters:
        values = next(iter(compiler.apply_converters([values], converters)))
    return model.from_db(connection.alias, [field.attname for field in fields], values)


def param(value: Any) -> Any:
    """Return a value as the database driver takes it in plain SQL (a datetime as the ORM stores
    it: naive UTC text on SQLite)."""
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return connection.ops.adapt_datefield_value(value)
    return value


# Values these fields take as they are: what their get_db_prep_save would return unchanged
# (it costs microseconds a field, and a review writes about fifty). Anything else (a datetime, a
# JSON value, an unusual type) goes through the field, as the ORM does it.
_AS_IS: tuple[tuple[type, tuple[type, ...]], ...] = (
    (models.BooleanField, (bool,)),
    (models.IntegerField, (int,)),  # and every Positive…/Small…/Big… integer field
    (models.FloatField, (float, int)),
    (models.CharField, (str,)),
    (models.TextField, (str,)),
    (models.ForeignKey, (int,)),
)
_inserts: dict[tuple, tuple[str, tuple[Field, ...], tuple[tuple[type, ...], ...]]] = {}
_updates: dict[tuple, tuple[str, tuple[Field, ...], tuple[tuple[type, ...], ...]]] = {}


def _as_is(field: Field) -> tuple[type, ...]:
    """Return the value types a field sends to the database unchanged (none: always prepare)."""
    if isinstance(field, models.ForeignKey) and not isinstance(
        field.target_field, models.AutoField | models.IntegerField
    ):
        return ()
    return next((types for kind, types in _AS_IS if isinstance(field, kind)), ())


def _prepared(obj: Model, fields: Sequence[Field], kinds: Sequence[tuple], add: bool) -> list:
    values = []
    for field, types in zip(fields, kinds, strict=True):
        value = field.pre_save(obj, add)
        if value is not None and type(value) not in types:
            if hasattr(value, "resolve_expression"):
                raise TypeError(f"{type(obj).__name__}.{field.name}: an expression needs save()")
            value = field.get_db_prep_save(value, connection)
        values.append(value)
    return values


def insert(obj: Model) -> Model:
    """INSERT a new instance (every concrete field but an auto primary key), as `save()` would:
    `pre_save` and each field's database preparation, the primary key set from the database.
    No signals are sent. Returns the instance."""
    model = type(obj)
    returning = connection.features.can_return_columns_from_insert
    key = (connection.vendor, model)
    found = _inserts.get(key)
    if found is None:
        meta = model._meta
        fields = tuple(f for f in meta.concrete_fields if f is not meta.auto_field)
        names = ", ".join(f'"{field.column}"' for field in fields)
        holes = ", ".join(["%s"] * len(fields))
        text = f'INSERT INTO "{meta.db_table}" ({names}) VALUES ({holes})'  # noqa: S608
        if returning:
            text += f' RETURNING "{meta.pk.column}"'
        found = _inserts[key] = (text, fields, tuple(_as_is(field) for field in fields))
    text, fields, kinds = found
    values = _prepared(obj, fields, kinds, True)
    with cursor() as db_cursor:
        db_cursor.execute(text, values)
        obj.pk = db_cursor.fetchone()[0] if returning else db_cursor.lastrowid
    obj._state.adding = False
    obj._state.db = connection.alias
    return obj


def update(obj: Model, field_names: Sequence[str]) -> None:
    """UPDATE these fields of a saved instance, as `save(update_fields=…)` would (no signals)."""
    model = type(obj)
    key = (connection.vendor, model, tuple(field_names))
    found = _updates.get(key)
    if found is None:
        meta = model._meta
        fields = tuple(meta.get_field(name) for name in field_names)
        sets = ", ".join(f'"{field.column}" = %s' for field in fields)
        text = f'UPDATE "{meta.db_table}" SET {sets} WHERE "{meta.pk.column}" = %s'  # noqa: S608
        found = _updates[key] = (text, fields, tuple(_as_is(field) for field in fields))
    text, fields, kinds = found
    values = _prepared(obj, fields, kinds, False)
    with cursor() as db_cursor:
        db_cursor.execute(text, [*values, obj.pk])
