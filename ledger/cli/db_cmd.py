"""``ledger db upgrade``, and the database plumbing every command shares (the ``--database`` option,
opening the engine, and turning errors into one clear line instead of a traceback)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy import Engine, create_engine, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from ledger.audit import VerifyResult, anchor_for, read_anchors, seal_legacy_trail, verify_chain
from ledger.audit.chain import needs_seal
from ledger.cli.audit_report import echo_intact, fail_broken
from ledger.cli.common import CliError, cli_errors, describe_url
from ledger.db.backup import backup as backup_database
from ledger.db.backup import restore as restore_database
from ledger.db.engine import is_sqlite, make_engine, make_session_factory, transaction
from ledger.db.migrate import upgrade
from ledger.security.actor import Actor
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
    """Set up, upgrade, back up and restore the database."""


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
            _seal_old_trail(engine)
        finally:
            engine.dispose()


def _seal_old_trail(engine: Engine) -> None:
    """After an upgrade, key an audit trail written before keyed hashing (see ledger.audit.chain).

    Only an otherwise intact trail is sealed: sealing a broken one would hide nothing (the break stays
    visible) but would suggest it had been checked.
    """
    with transaction(make_session_factory(engine)) as session:
        if not needs_seal(session):  # cheap: only the newest event is looked at
            return
        result = verify_chain(session)
        if not result.unsealed:
            return
        seal_legacy_trail(session, Actor.system("command line"))
    click.echo(
        f"Sealed the {result.count} audit events written before keyed hashing: from now on the trail is keyed."
    )


@db_group.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--overwrite", is_flag=True, help="Replace FILE if it already exists.")
@database_option
def backup_command(file: Path, overwrite: bool, database_url: str | None) -> None:
    """Write a consistent copy of the database to FILE, then check its audit trail.

    SQLite: the online backup (safe while the service runs); the copy itself is checked. PostgreSQL:
    pg_dump (custom format; needs the PostgreSQL client tools); the live trail is checked just after.
    Prints an anchor of the checked trail: keep it with the backup's records.
    """
    url = resolve_url(database_url)
    with cli_errors(url):
        made = backup_database(url, file, overwrite=overwrite)
        click.echo(f"Backup written to {made.path} ({made.size:,} bytes, readable by its owner only).")
        click.echo(
            "Bank details in it are encrypted; the secret key is NOT in it: keep the key file (or "
            "LEDGER_SECRET_KEY) backed up separately, or the bank details in this backup cannot be read."
        )
        checked, where = (
            (f"sqlite:///{made.path.resolve()}", f"backup {made.path}")
            if made.kind == "sqlite"
            else (url, f"database {describe_url(url)} just after the dump")
        )
        result = _verify_read_only(checked)
    if not result.ok:
        fail_broken(result, where)
    echo_intact(result, anchor_for(result))


@db_group.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--force",
    is_flag=True,
    help="SQLite only: replace a database file that already holds a ledger (a copy of it is kept beside it).",
)
@click.option(
    "--anchor",
    "anchor_text",
    metavar="LINE_OR_FILE",
    default=None,
    help="Also check the restored trail against an anchor (`ledger audit anchor`) or a file of them.",
)
@database_option
def restore_command(file: Path, force: bool, anchor_text: str | None, database_url: str | None) -> None:
    """Restore the backup FILE into the database, upgrade it, and check its audit trail.

    Refuses a database that already holds data: restore into a new file or an empty database (safest:
    the old one stays untouched until the restored one is checked), or, for SQLite, pass --force.
    """
    url = resolve_url(database_url)
    with cli_errors(url):
        anchors = read_anchors(anchor_text) if anchor_text is not None else []
        safety = restore_database(url, file, force=force)
        if safety is not None:
            click.echo(f"The database that was there is kept as {safety}.")
        click.echo(f"Restored {file} into {describe_url(url)}.")
        engine = open_engine(url)
        try:
            upgrade(engine)
            click.echo(f"Schema up to date (revision {current_revision(engine)}).")
            _seal_old_trail(engine)
            with transaction(make_session_factory(engine)) as session:
                result = verify_chain(session, anchors=anchors)
        finally:
            engine.dispose()
    if not result.ok:
        fail_broken(result, f"restored database {describe_url(url)}")
    echo_intact(result)


def _verify_read_only(url: str) -> VerifyResult:
    """Check the trail of ``url`` without writing to it (a SQLite backup file is opened read-only)."""
    if is_sqlite(url):
        path = sqlite_file(url)
        engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    else:
        engine = open_engine(url)
    try:
        with make_session_factory(engine)() as session:
            return verify_chain(session)
    finally:
        engine.dispose()


def register(group: click.Group) -> None:
    group.add_command(db_group)
