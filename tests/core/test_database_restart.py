"""A request's first query waits for a PostgreSQL server that is restarting, within a budget
(studyapp/core/postgresql). Through a real server behind a proxy that starts late."""

from __future__ import annotations

import socket
import threading

import pytest
from django.db import OperationalError, connection, connections

from studyapp.core.postgresql.base import DatabaseWrapper

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL backend: runs in the PostgreSQL pass of CI")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LateServer:
    """The test database's server, reachable on `port` only once `open()` is called (until then
    a connection is refused, as while PostgreSQL restarts)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.accepted = 0
        self.listener: socket.socket | None = None
        settings = connection.settings_dict
        self.target = (settings["HOST"] or "127.0.0.1", int(settings["PORT"] or 5432))

    def open(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:  # closed
                return
            self.accepted += 1
            server = socket.create_connection(self.target)
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            sink.close()

    def close(self) -> None:
        if self.listener:
            self.listener.close()


def database_on(port: int, retry_seconds: float) -> DatabaseWrapper:
    """A connection to the test database through `port`, with this retry budget."""
    settings = {**connection.settings_dict, "HOST": "127.0.0.1", "PORT": str(port),
                "CONNECT_RETRY_SECONDS": retry_seconds, "CONN_MAX_AGE": 0}  # fmt: skip
    return DatabaseWrapper(settings, alias="restarting")


def test_the_app_uses_the_waiting_backend():
    assert isinstance(connections["default"], DatabaseWrapper)
    assert connection.settings_dict["CONNECT_RETRY_SECONDS"] == 5


def test_a_first_query_waits_for_a_server_that_comes_back():
    server = LateServer(free_port())
    database = database_on(server.port, retry_seconds=30)
    threading.Timer(1.0, server.open).start()  # refused for the first second
    try:
        with database.cursor() as cursor:
            cursor.execute("SELECT 1")
            assert cursor.fetchone() == (1,)
        assert server.accepted == 1
    finally:
        database.close()
        server.close()


def test_without_a_budget_a_refused_connection_fails_at_once():
    database = database_on(free_port(), retry_seconds=0)
    with pytest.raises(OperationalError):
        database.ensure_connection()


def test_a_server_that_stays_away_fails_the_request_once_the_budget_is_spent():
    server = LateServer(free_port())
    database = database_on(server.port, retry_seconds=1)
    opener = threading.Timer(20.0, server.open)  # far past the budget
    opener.start()
    try:
        with pytest.raises(OperationalError):
            database.ensure_connection()
        assert server.accepted == 0
    finally:
        opener.cancel()
        server.close()
