"""Engines and sessions for SQLite (the embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.orm import Session, sessionmaker

from ledger.security.keys import note_database_url


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use the psycopg 3 driver for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL for readers beside one writer; foreign keys on; wait rather than fail when busy."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


READ_ONLY = "ledger_read_only"


def _sqlite_begin(conn: Any) -> None:
    """Writers take the write lock at BEGIN so two of them queue instead of deadlocking on upgrade.

    A connection marked ``read_only`` (e.g. the token lookup on every request) begins a plain deferred
    transaction, so reading never waits behind a writer in WAL mode.
    """
    if conn.get_execution_options().get(READ_ONLY):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


_ROW_DETAIL = re.compile(r"\n\s*(DETAIL|CONTEXT|HINT|WHERE):.*", re.DOTALL)


def _without_row_values(text: str) -> str:
    """The database's message without PostgreSQL's DETAIL (``Failing row contains (...)``, ``Key (x)=(...)``)
    and the lines after it, which quote the stored values."""
    return _ROW_DETAIL.sub("", text)


def _redact_database_error(context: ExceptionContext) -> None:
    """Strip row values from a database error before anyone logs or prints it.

    ``hide_parameters`` keeps the bound values out of SQLAlchemy's message, but PostgreSQL repeats the
    offending row in the error's DETAIL, which the driver puts in the message. The structured fields
    (``orig.diag.sqlstate``, ``constraint_name``) stay for code that needs to tell errors apart.
    """
    for error in (context.original_exception, context.sqlalchemy_exception):
        if error is not None and len(error.args) == 1 and isinstance(error.args[0], str):
            cleaned = _without_row_values(error.args[0])
            if cleaned != error.args[0]:
                error.args = (cleaned,)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine configured for the ledger (pragmas on SQLite, psycopg 3 on PostgreSQL).

    ``hide_parameters``: a database error's message (which reaches logs and tracebacks) shows the SQL but
    never the values bound to it, so a refused participant write cannot leak bank details or names.
    """
    url = normalise_url(url)
    note_database_url(url)  # the default key file sits beside this database (nothing is read yet)
    kwargs.setdefault("hide_parameters", True)
    if is_sqlite(url):
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)

        @event.listens_for(engine, "connect")
        def _no_pysqlite_begin(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None

        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "handle_error", _redact_database_error)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **kwargs)
    event.listen(engine, "handle_error", _redact_database_error)
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back everything on any error."""
    with factory() as session, session.begin():
        yield session
