"""Plain SQL for the few hot reads where building the query in the ORM costs more than running it.

The SQL is written by hand in the selectors that own it; these helpers turn its rows into model
instances exactly as the ORM would (Django's own converters: dates and JSON on SQLite, JSON on
PostgreSQL), so the rest of the code cannot tell the difference.

They run it cheaply too (`fetchone`, `execute`, `insert`, `update`): on PostgreSQL as prepared
statements (studyapp/core/postgresql), and on the driver's own cursor whenever Django's wrapper
has nothing to add (it does when it logs queries, as `assertNumQueries` and DEBUG do, so every
statement is still counted and shown).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.sqlite3.base import FORMAT_QMARK_REGEX
from django.db.backends.utils import CursorWrapper
from django.db.models import Field, Model
from django.db.models.sql import Query

T = TypeVar("T")
_converters: dict[tuple, tuple[list, list[str]]] = {}
_qmark: dict[str, str] = {}


def _database() -> BaseDatabaseWrapper:
    # The default connection, looked up once (each `connection.x` looks it up again).
    return connections[DEFAULT_DB_ALIAS]


def cursor() -> CursorWrapper:
    """Return a cursor for the hot path's plain SQL: on PostgreSQL each statement is prepared on
    the server at its first run on the connection (planned once, not at every run: see
    studyapp/core/postgresql), elsewhere Django's own cursor. Values go as parameters (%s),
    never into the text."""
    db = _database()
    prepared = getattr(db, "prepared_cursor", None)
    return prepared() if prepared is not None else db.cursor()


def _run(text: str, params: Sequence[Any], result: Callable[[Any], T]) -> T:
    """Run one statement and return `result(cursor)`, through Django's cursor whenever it has
    something to add (a connection to open or check, a query log, execute wrappers, a broken
    transaction to refuse, an event loop to refuse), else on the driver's own cursor (the
    statement's parameters as Django would pass them, its errors as Django's): Django's wrapper
    costs ten times the driver's execute on SQLite."""
    db = _database()
    raw = db.connection
    if (
        raw is None
        or db.queries_logged
        or db.execute_wrappers
        or db.needs_rollback
        or (db.health_check_enabled and not db.health_check_done)
        or asyncio._get_running_loop() is not None
    ):
        with cursor() as wrapped:
            wrapped.execute(text, params)
            return result(wrapped)
    with db.wrap_database_errors:
        if db.vendor == "sqlite":
            qmark = _qmark.get(text)
            if qmark is None:  # Django's conversion, once per statement
                qmark = _qmark[text] = FORMAT_QMARK_REGEX.sub("?", text).replace("%%", "%")
            return result(raw.execute(qmark, params))
        prepared = getattr(db, "prepared_raw_cursor", None)
        driver_cursor = prepared() if prepared is not None else db.create_cursor()
        driver_cursor.execute(text, params)
        return result(driver_cursor)


def _first(cursor: Any) -> tuple | None:  # noqa: ANN401
    return cursor.fetchone()


def fetchone(text: str, params: Sequence[Any]) -> tuple | None:
    """Run a query (%s placeholders, values as parameters) and return its first row."""
    return _run(text, params, _first)


def execute(text: str, params: Sequence[Any]) -> None:
    """Run a statement that returns no rows (%s placeholders, values as parameters)."""
    _run(text, params, _nothing)


def _nothing(cursor: Any) -> None:  # noqa: ANN401
    return None


def columns(model: type[Model], alias: str, fields: Sequence[Field] | None = None) -> str:
    """Return `alias."column", …` for the model's concrete fields (or `fields`), in order."""
    fields = model._meta.concrete_fields if fields is None else fields
    return ", ".join(f'{alias}."{field.column}"' for field in fields)


def instance(model: type[Model], values: Sequence[Any], fields: Sequence[Field] | None = None):  # noqa: ANN201
    """Return a model instance from a row of its concrete fields (or `fields`), as loaded by the
    ORM: values converted by the database's and the fields' converters."""
    db = _database()
    # Keyed by the fields' identity: hashing a field costs a microsecond.
    key = (db.vendor, model, None if fields is None else tuple(map(id, fields)))
    found = _converters.get(key)
    if found is None:
        fields = tuple(model._meta.concrete_fields if fields is None else fields)
        compiler = db.ops.compiler("SQLCompiler")(Query(model), db, db.alias)
        table = model._meta.db_table
        converters = compiler.get_converters([field.get_col(table) for field in fields])
        found = _converters[key] = (
            list(converters.items()),
            [field.attname for field in fields],
        )
    converters, attnames = found
    if converters:  # as SQLCompiler.apply_converters does it
        values = list(values)
        for position, (functions, expression) in converters:
            value = values[position]
            for function in functions:
                value = function(value, expression, db)
            values[position] = value
    return model.from_db(db.alias, attnames, values)


def param(value: Any) -> Any:
    """Return a value as the database driver takes it in plain SQL (a datetime as the ORM stores
    it: naive UTC text on SQLite)."""
    if isinstance(value, datetime):
        return _database().ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return _database().ops.adapt_datefield_value(value)
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


def _prepared(
    obj: Model, fields: Sequence[Field], kinds: Sequence[tuple], add: bool, db: BaseDatabaseWrapper
) -> list:
    values = []
    for field, types in zip(fields, kinds, strict=True):
        value = field.pre_save(obj, add)
        if value is not None and type(value) not in types:
            if hasattr(value, "resolve_expression"):
                raise TypeError(f"{type(obj).__name__}.{field.name}: an expression needs save()")
            value = field.get_db_prep_save(value, db)
        values.append(value)
    return values


def insert(obj: Model) -> Model:
    """INSERT a new instance (every concrete field but an auto primary key), as `save()` would:
    `pre_save` and each field's database preparation, the primary key set from the database.
    No signals are sent. Returns the instance."""
    model, db = type(obj), _database()
    returning = db.features.can_return_columns_from_insert
    key = (db.vendor, model)
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
    values = _prepared(obj, fields, kinds, True, db)
    obj.pk = _run(text, values, _first_value if returning else _last_row_id)
    obj._state.adding = False
    obj._state.db = db.alias
    return obj


def update(obj: Model, field_names: Sequence[str]) -> None:
    """UPDATE these fields of a saved instance, as `save(update_fields=…)` would (no signals)."""
    model, db = type(obj), _database()
    key = (db.vendor, model, tuple(field_names))
    found = _updates.get(key)
    if found is None:
        meta = model._meta
        fields = tuple(meta.get_field(name) for name in field_names)
        sets = ", ".join(f'"{field.column}" = %s' for field in fields)
        text = f'UPDATE "{meta.db_table}" SET {sets} WHERE "{meta.pk.column}" = %s'  # noqa: S608
        found = _updates[key] = (text, fields, tuple(_as_is(field) for field in fields))
    text, fields, kinds = found
    values = _prepared(obj, fields, kinds, False, db)
    values.append(obj.pk)
    _run(text, values, _nothing)


def _first_value(cursor: Any) -> Any:  # noqa: ANN401
    return cursor.fetchone()[0]


def _last_row_id(cursor: Any) -> Any:  # noqa: ANN401
    return cursor.lastrowid
