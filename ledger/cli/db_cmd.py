"""``ledger db upgrade``, and the database plumbing every command shares (the ``--database`` option,
opening the engine, and turning errors into one clear line instead of a traceback)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy import Engine, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from ledger.cli.common import CliError, cli_errors, describe_url
from ledger.db.engine import is_sqlite, make_engine, make_session_factory, transaction
from ledger.db.migrate import upgrade
from ledger.settings import database_url as resolve_url

# ``resolve_url`` (the one database-URL rule, ledger.settings.database_url), ``cli_errors`` and
# ``describe_url`` (the one CLI error helper, ledger.cli.common) are re-exported for the commands here.
__all__ = ["cli_errors", "database_option", "describe_url", "existing_database_session", "open_engine",
           "resolve_url"]

F = TypeVar("F", bound=Callable[..., Any])


def database_option(func: F) -> F:
    """``--database URL`` (else ``LEDGER_DATABASE_URL``, else ``ledger.db`` in the working folder)."""
    return click.option(
        "--database",
        "database_url",
        metavar="URL",
        default=None,
        help="Database URL, e.g. sqlite:///ledger.db or postgresql://user@host/ledger. "
        "Default: $LEDGER_DATABASE_URL, else ledger.db in this folder.",
    )(func)


def open_engine(url: str) -> Engine:
    return make_engine(url)


def sqlite_file(url: str) -> Path | None:
    """The file behind a SQLite URL (``None`` for other databases and in-memory SQLite)."""
    if not is_sqlite(url):
        return None
    database = make_url(url).database
    if not database or database == ":memory:":
        return None
    return Path(database)


def ensure_migrated(engine: Engine, url: str) -> None:
    """Refuse to read a database that has never been set up, with the command that sets it up."""
    path = sqlite_file(url)
    if path is not None and not path.exists():
        raise CliError(f"there is no database file at {path}; create it with: ledger db upgrade")
    if not inspect(engine).has_table("alembic_version"):
        raise CliError(
            f"the database at {describe_url(url)} has no ledger tables yet; set it up with: ledger db upgrade"
        )


@contextmanager
def existing_database_session(url: str) -> Iterator[Session]:
    """One transaction on a database that must already be set up; the engine is closed afterwards.

    For commands that read or change an existing ledger (tokens, audit): they must not create one.
    """
    engine = open_engine(url)
    try:
        ensure_migrated(engine, url)
        with transaction(make_session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()


def current_revision(engine: Engine) -> str:
    with engine.connect() as connection:
        from alembic.runtime.migration import MigrationContext

        heads = MigrationContext.configure(connection).get_current_heads()
    return ", ".join(heads) or "none"


@click.group("db")
def db_group() -> None:
    """Set up and upgrade the database."""


@db_group.command("upgrade")
@database_option
def upgrade_command(database_url: str | None) -> None:
    """Bring the database up to the latest schema (safe to run any time)."""
    url = resolve_url(database_url)
    with cli_errors(url):
        engine = open_engine(url)
        try:
            upgrade(engine)
            click.echo(f"Database at {describe_url(url)} is up to date (revision {current_revision(engine)}).")
        finally:
            engine.dispose()


def register(group: click.Group) -> None:
    group.add_command(db_group)
