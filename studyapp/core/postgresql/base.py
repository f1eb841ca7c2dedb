"""Django's PostgreSQL backend, waiting a little for a server that is restarting, with prepared
statements for the hot path's plain SQL.

A connection is opened at a request's first query (or reopened there, when the persistent one
died: the health check runs before the first query), so nothing of the request has reached the
database yet when opening it fails. Trying again then repeats nothing: the request just waits,
up to `CONNECT_RETRY_SECONDS` (a key of the database's settings), for the server to accept
connections, instead of failing with a 500 while PostgreSQL restarts. A connection that breaks
later in a request is never retried: the request may have written.

Django's psycopg cursors bind parameters on the client (values written into the SQL text), so
the server parses and plans every statement each time: for the study loop's few hand-written
statements (`studyapp.core.sql.cursor`) the planning costs more than the running.
`prepared_cursor` binds them on the server and prepares each at its first run on a connection:
planned once per connection (and statement shape), then only executed. The ORM's queries keep
Django's client-side binding. Prepared statements live in the server session: they need a
connection of its own (no PgBouncer in transaction mode unless it keeps prepared statements:
`max_prepared_statements`, PgBouncer 1.21+). The `prepare_threshold` option set to None turns
them off (deploy/README.md).
"""

from __future__ import annotations

import time
from typing import Any

from django.db.backends.postgresql import base
from django.db.backends.utils import CursorWrapper
from psycopg.pq import Format

RETRY_EVERY_SECONDS = 0.2
PREPARE_THRESHOLD = 5  # psycopg's default; it only counts for server-binding cursors


class PreparedCursor(base.ServerBindingCursor):
    """A server-binding cursor that prepares each statement at its first run (psycopg keeps the
    connection's prepared statements, the last 100, and reuses them by text and parameter types)."""

    def execute(  # noqa: ANN201 - the cursor, as psycopg's
        self,
        query: Any,  # noqa: ANN401
        params: Any = None,  # noqa: ANN401
        *,
        prepare: bool | None = None,
        **kwargs: Any,  # noqa: ANN401
    ):
        prepare = True if prepare is None else prepare
        return super().execute(query, params, prepare=prepare, **kwargs)


class DatabaseOperations(base.DatabaseOperations):
    def last_executed_query(self, cursor: Any, sql: str, params: Any) -> str | None:  # noqa: ANN401
        """The statement as run, for the query log: a prepared one with its values written in
        (as Django shows its own), which psycopg does not keep."""
        if isinstance(cursor, PreparedCursor):
            return self.compose_sql(sql, params)
        return super().last_executed_query(cursor, sql, params)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def get_connection_params(self) -> dict[str, Any]:
        """Django's parameters, with psycopg's prepare threshold unless the settings give one
        (Django turns preparing off; None in OPTIONS keeps it off)."""
        params = super().get_connection_params()
        if "prepare_threshold" not in self.settings_dict["OPTIONS"]:
            params["prepare_threshold"] = PREPARE_THRESHOLD
        return params

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:  # noqa: ANN401
        """Open a connection, trying again until the retry budget is spent."""
        deadline = time.monotonic() + float(self.settings_dict.get("CONNECT_RETRY_SECONDS", 0))
        while True:
            try:
                return super().get_new_connection(conn_params)
            except self.Database.OperationalError:
                if time.monotonic() + RETRY_EVERY_SECONDS > deadline:
                    raise
                time.sleep(RETRY_EVERY_SECONDS)

    def prepared_cursor(self) -> CursorWrapper:
        """Return a cursor, as `cursor()` does (logged, errors as Django's), whose statements
        are bound and prepared on the server: write them with %s placeholders and pass the
        values as parameters, never in the text (each distinct text is a prepared statement)."""
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            return self._prepare_cursor(self.prepared_raw_cursor())

    def prepared_raw_cursor(self) -> PreparedCursor:
        """Return psycopg's cursor of `prepared_cursor`, on the open connection, unwrapped."""
        cursor = PreparedCursor(self.connection)
        # As Django's create_cursor: the cursor's time zone when the connection's differs.
        loader = self.connection.adapters.get_loader(base.TIMESTAMPTZ_OID, Format.TEXT)
        if self.timezone != loader.timezone:
            base.register_tzloader(self.timezone, cursor)
        return cursor
