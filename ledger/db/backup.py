"""Copying the whole database to a file and back (``ledger db backup`` / ``ledger db restore``).

SQLite uses the online backup API (``sqlite3.Connection.backup``): a consistent copy page by page while
the service keeps running, which a plain file copy of a WAL database is not. The copy is switched to a
single self-contained file (no ``-wal``/``-shm`` beside it).

PostgreSQL uses ``pg_dump`` / ``pg_restore`` in their custom format when they are on ``PATH``; the
password goes to them in ``PGPASSWORD``, never on the command line where other users could see it.

Backups hold personal data, so files are created owner-only (0600). Bank details inside them are
ciphertext (``ledger.db.encrypted``): the key is not in the backup and must be backed up separately.

This module only moves bytes and says whether a database is empty; the CLI upgrades, seals and checks
the audit trail of what it restored (``ledger.cli.db_cmd``).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from ledger.db.engine import is_sqlite, make_engine, normalise_url
from ledger.errors import Conflict, Invalid

SQLITE_HEADER = b"SQLite format 3\x00"
PG_CUSTOM_HEADER = b"PGDMP"
PROCEDURE = "see 'Backups' in docs/administrators.md for the manual procedure"


class BackupError(Invalid):
    """A backup or restore cannot be done as asked (the message says what to change)."""


class RestoreRefused(Conflict):
    """Restoring would overwrite a database that already holds data."""


@dataclass(frozen=True)
class BackupFile:
    path: Path
    kind: str  # "sqlite" or "postgresql"
    size: int


def _sqlite_path(url: str) -> Path:
    database = make_url(normalise_url(url)).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored; name a database file")
    return Path(database)


def _private_temp(target: Path) -> Path:
    """A new owner-only file beside ``target`` (so the final rename stays on one file system)."""
    if not target.parent.is_dir():
        raise BackupError(f"the folder {target.parent} does not exist")
    temp = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        temp.unlink(missing_ok=True)
        os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as exc:
        raise BackupError(f"cannot write in {target.parent}: {exc.strerror or exc}") from None
    return temp


def _check_target(target: Path, overwrite: bool) -> None:
    if target.is_dir():
        raise BackupError(f"{target} is a folder; name the backup file to write")
    if target.exists() and not overwrite:
        raise BackupError(f"{target} already exists; choose another name or pass --overwrite to replace it")


def backup(url: str, target: Path, *, overwrite: bool = False) -> BackupFile:
    """Write a consistent copy of the database at ``url`` to ``target`` (atomically: all or nothing)."""
    _check_target(target, overwrite)
    if is_sqlite(url):
        source = _sqlite_path(url)
        if not source.is_file():
            raise BackupError(f"there is no database file at {source}")
        temp = _private_temp(target)
        try:
            _sqlite_copy(source, temp, single_file=True)
            os.replace(temp, target)
        finally:
            temp.unlink(missing_ok=True)
        return BackupFile(target, "sqlite", target.stat().st_size)
    temp = _private_temp(target)
    try:
        _run_pg("pg_dump", url, ["--format=custom", "--no-owner", "--no-privileges", f"--file={temp}"])
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    return BackupFile(target, "postgresql", target.stat().st_size)


def _sqlite_copy(source: Path, destination: Path, *, single_file: bool = False) -> None:
    """Online backup from ``source`` into ``destination`` (as one self-contained file if ``single_file``)."""
    try:
        src = sqlite3.connect(source)
        try:
            dst = sqlite3.connect(destination)
            try:
                src.backup(dst)
                if single_file:
                    dst.execute("PRAGMA journal_mode=DELETE")
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite could not copy {source} to {destination}: {exc}") from None


def kind_of(path: Path) -> str:
    """``"sqlite"`` or ``"postgresql"`` from the file's first bytes; a clear error for anything else."""
    if not path.is_file():
        raise BackupError(f"there is no backup file at {path}")
    with path.open("rb") as handle:
        head = handle.read(16)
    if head.startswith(SQLITE_HEADER):
        return "sqlite"
    if head.startswith(PG_CUSTOM_HEADER):
        return "postgresql"
    raise BackupError(f"{path} is not a ledger backup (neither a SQLite file nor a pg_dump custom-format file)")


def is_empty(url: str) -> bool:
    """True when the database holds no tables at all (a missing SQLite file counts as empty)."""
    if is_sqlite(url):
        path = _sqlite_path(url)
        if not path.exists() or path.stat().st_size == 0:
            return True
    engine = make_engine(url)
    try:
        return not inspect(engine).get_table_names()
    finally:
        engine.dispose()


def safety_copy_name(target: Path, now: datetime | None = None) -> Path:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return target.with_name(f"{target.name}.before-restore-{stamp}")


def restore(url: str, source: Path, *, force: bool = False) -> Path | None:
    """Put the backup ``source`` into the database at ``url``; returns the safety copy made, if any.

    Refuses a database that already holds tables. SQLite with ``force``: the current file is first
    copied beside itself (``<name>.before-restore-<time>``), then replaced. PostgreSQL is only ever
    restored into an empty database (create one, restore, check, then point the ledger at it): that
    keeps the old database untouched until the restored one is known to be good.
    """
    kind = kind_of(source)
    target_kind = "sqlite" if is_sqlite(url) else "postgresql"
    if kind != target_kind:
        raise BackupError(f"{source} is a {kind} backup; it can only be restored into a {kind} database")
    empty = is_empty(url)
    if kind == "postgresql":
        if not empty:
            raise RestoreRefused(
                "the PostgreSQL database already holds tables; restore only into an empty database "
                "(createdb ledger_restored), check it, then point LEDGER_DATABASE_URL at it"
            )
        _run_pg("pg_restore", url, ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"],
                tail=[str(source)])
        return None
    target = _sqlite_path(url)
    if not target.parent.is_dir():
        raise BackupError(f"the folder {target.parent} does not exist")
    _check_sqlite_backup(source)
    safety: Path | None = None
    if not empty:
        if not force:
            raise RestoreRefused(
                f"{target} already holds a ledger; restore into a new file with --database, "
                "or pass --force to replace it (a copy of it is kept beside it first)"
            )
        safety = safety_copy_name(target)
        try:
            os.close(os.open(safety, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except OSError as exc:
            raise BackupError(f"cannot keep a copy of {target} beside it: {exc.strerror or exc}") from None
        _sqlite_copy(target, safety, single_file=True)
    _sqlite_copy(source, target)
    return safety


def _check_sqlite_backup(source: Path) -> None:
    connection = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        status = connection.execute("PRAGMA quick_check").fetchone()
        has_version = connection.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{source} is damaged and cannot be restored: {exc}") from None
    finally:
        connection.close()
    if not status or status[0] != "ok":
        raise BackupError(f"{source} is damaged and cannot be restored: {status[0] if status else 'no answer'}")
    if not has_version or not has_version[0]:
        raise BackupError(f"{source} is a SQLite file but not a ledger backup (it has no ledger tables)")


def _run_pg(program: str, url: str, arguments: list[str], tail: list[str] | None = None) -> None:
    """Run ``pg_dump``/``pg_restore`` against ``url`` with the password in the environment only."""
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(
            f"{program} was not found on PATH: install the PostgreSQL client tools of the server's version "
            f"(Debian/Ubuntu: apt install postgresql-client), or {PROCEDURE}"
        )
    parsed = make_url(normalise_url(url))
    environment = dict(os.environ)
    if parsed.password is not None:
        environment["PGPASSWORD"] = str(parsed.password)
    conninfo = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    option = "--dbname=" + conninfo
    completed = subprocess.run(  # fixed program, arguments built here, no shell
        [executable, *arguments, option, *(tail or [])],
        env=environment, capture_output=True, text=True, check=False,
    )
    if completed.returncode != 0:
        lines = [line for line in completed.stderr.strip().splitlines() if line.strip()]
        reason = lines[0] if lines else f"exit status {completed.returncode}"
        raise BackupError(f"{program} failed: {reason}")
