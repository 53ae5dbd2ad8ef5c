"""One fact, one place for tests too: private PostgreSQL databases are made only by tests/private_pg.py."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).parent


def test_only_the_shared_helper_creates_databases() -> None:
    makers = sorted(
        path.relative_to(TESTS).as_posix()
        for path in TESTS.rglob("*.py")
        if "CREATE DATABASE" in path.read_text(encoding="utf-8") and path.name != Path(__file__).name
    )
    assert makers == ["private_pg.py"], "use private_pg.private_postgres / private_postgres_factory instead"
