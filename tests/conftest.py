"""Settings for the whole suite: hypothesis profiles, the test keyring, the migrated SQLite template, and
the list of slow tests.

Hypothesis profiles are chosen with HYPOTHESIS_PROFILE (default: "default"). "default" keeps a local run
quick; "ci" searches ten times harder and drops the per-example deadline because a busy CI machine must
not turn a slow example into a false failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from db_template import migrate_template  # tests/db_template.py
from hypothesis import settings

settings.register_profile("default", max_examples=100)
settings.register_profile("ci", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(autouse=True, scope="session")
def _test_keyring() -> Iterator[None]:
    """Every test encrypts bank details with one in-memory key: no key file is written into the repo.

    Tests about key files and rotation replace it with ``ledger.security.keys.use_keyring`` themselves.
    """
    from ledger.security import keys

    keys.use_keyring(keys.Keyring.generate())
    yield
    keys.reset_keyring()


@pytest.fixture(autouse=True, scope="session")
def _quick_password_hashes() -> Iterator[None]:
    """Passwords hashed with argon2id at the smallest cost, not the library's recommended one.

    The real parameters make each hash or check take about 0.15 s on purpose (0.3 s and more on a busy
    machine), and the sign-in tests make dozens: about 16 s of the fast suite. What the tests check (the
    hash is argon2id, the right password passes and a wrong one fails, an unknown account spends a check
    too) does not depend on the cost. Processes started by tests still use the real parameters.
    """
    from argon2 import PasswordHasher

    from ledger.users import passwords

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        passwords._dummy_hash.cache_clear()
        yield
    passwords._dummy_hash.cache_clear()


@pytest.fixture(scope="session")
def sqlite_template(_test_keyring: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated once for the whole run: copy it (``db_template.copy_database``), never
    open it, so every test starts from the same empty, migrated schema."""
    return migrate_template(tmp_path_factory.mktemp("template") / "template.db")


# Tests left out of the fast suite (``pytest -m "not slow"``) and run by CI, named here in one place rather
# than by a marker in each file. Each entry is a test file or one test's node id, relative to tests/. Tests
# that mark themselves ``@pytest.mark.slow`` (the real-process CLI tests, the heavy rate properties, the
# schemathesis fuzzing, the browser tests) need no entry. Keep docs/testing.md's list in step.
SLOW_TESTS = (
    # The demo, built whole (each 10 s or more): the demo has its own slow tests in tests/demo.
    "messages/test_demo_messages.py",
    "reports/test_statement_documents.py::test_busiest_participant_statements_are_short_and_readable",
    "reports/test_statement_documents.py::test_every_demo_participants_statements_are_readable",
    # Heavy hypothesis: generated postings through the SQLite summaries, minutes per run.
    "reports/test_spend_summaries.py::test_summaries_equal_the_postings_summed_on_sqlite",
)
TESTS = Path(__file__).resolve().parent
for _entry in SLOW_TESTS:
    if not (TESTS / _entry.split("::")[0]).is_file():
        raise FileNotFoundError(f"tests/conftest.py SLOW_TESTS names {_entry!r}, which is not a test file: update it")


@pytest.hookimpl(tryfirst=True)  # before ``-m`` deselects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests listed in ``SLOW_TESTS`` (a file, or a test with all its parameters) ``slow``."""
    for item in items:
        path = Path(item.path).resolve()
        if TESTS not in path.parents:
            continue
        name = path.relative_to(TESTS).as_posix()
        if name in SLOW_TESTS or f"{name}::{item.name.split('[')[0]}" in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)
