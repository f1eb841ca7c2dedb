"""Django's PostgreSQL backend, waiting a little for a server that is restarting.

A connection is opened at a request's first query (or reopened there, when the persistent one
died: the health check runs before the first query), so nothing of the request has reached the
database yet when opening it fails. Trying again then repeats nothing: the request just waits,
up to `CONNECT_RETRY_SECONDS` (a key of the database's settings), for the server to accept
connections, instead of failing with a 500 while PostgreSQL restarts. A connection that breaks
later in a request is never retried: the request may have written.
"""

from __future__ import annotations

import time
from typing import Any

from django.db.backends.postgresql import base

RETRY_EVERY_SECONDS = 0.2


class DatabaseWrapper(base.DatabaseWrapper):
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
