"""A migrated SQLite database made once per test run and copied for every test that needs a fresh one.

Running the migrations takes about half a second (more on a busy machine); copying the file takes about a
millisecond. The ``sqlite_template`` fixture in tests/conftest.py makes the template with these helpers
(one per pytest process, so each xdist worker has its own); fixtures copy it with :func:`copy_database`,
and :class:`ReusedApps` resets a reused app's database with it. Import as ``from db_template import ...``.

The template is migrated with the test run's keyring (tests/conftest.py), which the migrations record, so a
copy opens under that keyring exactly as a database migrated by the test itself would.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable, Hashable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from litestar import Litestar
from litestar.stores.registry import StoreRegistry
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from ledger.api.database import STATE_KEY
from ledger.db.engine import make_engine, make_session_factory
from ledger.db.migrate import upgrade

# SQLite's write-ahead log and shared-memory index beside a database file (the engine turns WAL on).
_SIDE_FILES = ("-wal", "-shm", "-journal")


def migrate_template(path: Path) -> Path:
    """Create ``path`` as an empty SQLite database migrated to the newest schema, checkpointed into one file."""
    engine = make_engine(f"sqlite:///{path}")
    try:
        upgrade(engine)
    finally:
        engine.dispose()  # closing the last connection folds the write-ahead log back into the file
    return path


def copy_database(template: Path, target: Path) -> Path:
    """Make ``target`` a fresh copy of ``template``, replacing any database (and its log files) there.

    Close every connection to ``target`` first (``engine.dispose()``): a connection left open would keep
    reading its own write-ahead log, not the copy.
    """
    for suffix in _SIDE_FILES:
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, target)
    return target


@contextmanager
def backend_engine(template: Path, directory: Path, postgres_url: str | None = None) -> Iterator[Engine]:
    """An engine on ``postgres_url`` when given (a run-wide private database: tests on it must roll back
    what they write), else on a fresh copy of ``template`` in ``directory``; disposed after the block."""
    if postgres_url is None:
        made = make_engine(f"sqlite:///{copy_database(template, directory / 'ledger.db')}")
    else:
        made = make_engine(postgres_url)
    try:
        yield made
    finally:
        made.dispose()


@contextmanager
def rolled_back_session(engine: Engine) -> Iterator[Session]:
    """One transaction for the whole block, rolled back at the end (nothing is ever committed)."""
    with make_session_factory(engine)() as db:
        db.begin()
        try:
            yield db
        finally:
            db.rollback()


def restore_database(template: Path, target: Path) -> Path:
    """Make ``target`` hold exactly what ``template`` holds, in place.

    Through SQLite's backup API, not by replacing the file: a test may leave its own engine on ``target``
    open, and a connection whose file (or write-ahead log) was replaced under it fails with "disk I/O
    error". A backup is a write like any other, so such connections simply see the new content.
    """
    if not target.exists():
        return copy_database(template, target)
    with closing(sqlite3.connect(template)) as source, closing(sqlite3.connect(target, timeout=60)) as copy:
        source.backup(copy)
    return target


class ReusedApps:
    """Apps built once per run on one SQLite file, which is replaced by a fresh template copy before each test.

    Building an app (``create_app``) takes about a second, far longer than most tests that use one. What
    a test could leave in a reused app is reset by :meth:`reset`: the database (its content restored from
    the template in place, see :func:`restore_database`), the stores (the rate limiters' counts) and the
    idempotency keys held by requests. Everything else an app holds is built from the code and does not
    change while it serves requests; settings read from the environment are read per request, except the
    rate limits and body cap, which tests that change them pass to an app of their own.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.url = f"sqlite:///{path}"
        self._apps: dict[Hashable, Litestar] = {}

    def reset(self, template: Path) -> None:
        for app in self._apps.values():
            app.state[STATE_KEY].engine.dispose()
        restore_database(template, self.path)
        for app in self._apps.values():
            app.stores = StoreRegistry()  # rate-limit counts start from nothing, as in a new app
            live_keys = app.state[STATE_KEY].live_keys
            with live_keys._lock:
                live_keys._held.clear()

    def get(self, key: Hashable, build: Callable[[str], Litestar]) -> Litestar:
        """The app for ``key`` (e.g. its extra route handlers), built on first use by ``build(self.url)``."""
        if key not in self._apps:
            self._apps[key] = build(self.url)
        return self._apps[key]
