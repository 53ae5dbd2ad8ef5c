"""Where concurrency matters, on PostgreSQL: a single-use code or invitation used by two sign-ins at the
same moment signs in exactly one; failed sign-ins from two server processes count together."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest
from private_pg import private_postgres_factory
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from users_seed import seed  # tests/users/users_seed.py

from ledger.db.engine import make_engine, make_session_factory, transaction
from ledger.db.models_web import WebSession
from ledger.security.actor import Actor
from ledger.users import codes, invitations, signin

pytestmark = pytest.mark.postgres
ADMIN = Actor.system("test")
GOOD = "kettle river orange"
RACERS = 6
T = TypeVar("T")


@pytest.fixture
def pg() -> Iterator[sessionmaker[Session]]:
    with private_postgres_factory("ledger_webauth", pool_size=RACERS + 2) as factory:
        seed(factory)
        yield factory


def race(factory: sessionmaker[Session], attempt: Callable[[Session], T]) -> list[T]:
    """Run ``attempt`` in RACERS threads released together, each in its own transaction."""
    start = threading.Barrier(RACERS)
    results: list[T] = []
    lock = threading.Lock()

    def one() -> None:
        start.wait()
        with transaction(factory) as session:
            result = attempt(session)
        with lock:
            results.append(result)

    threads = [threading.Thread(target=one) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
        assert not thread.is_alive(), "a sign-in never finished (deadlock?)"
    return results


def test_one_code_two_sign_ins_only_one_wins(pg: sessionmaker[Session]) -> None:
    with transaction(pg) as session:
        issued = codes.issue_code(session, ADMIN, 1)
    outcomes = race(pg, lambda session: signin.with_code(session, issued.code, "10.0.0.1"))
    assert sum(1 for outcome in outcomes if outcome.ok) == 1
    with pg() as session:
        assert session.scalar(select(func.count()).select_from(WebSession)) == 1


def test_one_invitation_two_submissions_only_one_sets_the_password(pg: sessionmaker[Session]) -> None:
    with transaction(pg) as session:
        invited = invitations.invite(session, ADMIN, email="sam@example.org", name="Sam", role="finance")
    secret = invited.link_path.removeprefix("/invitations/")

    def accept(session: Session) -> bool:
        try:
            invitations.accept(session, secret, GOOD, GOOD)
        except Exception:
            return False
        return True

    assert sum(race(pg, accept)) == 1


def test_failures_from_two_server_processes_count_together(pg: sessionmaker[Session],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Two engines stand for two workers: the pause is the same whichever worker the next attempt reaches."""
    monkeypatch.setenv("LEDGER_SIGN_IN_ATTEMPTS", "4")
    with transaction(pg) as session:
        invitations.accept(session, invitations.invite(session, ADMIN, email="lee@example.org", name="Lee",
                                                       role="lead").link_path.removeprefix("/invitations/"),
                           GOOD, GOOD)
    url = pg.kw["bind"].url
    other_engine = make_engine(url.render_as_string(hide_password=False))
    other = make_session_factory(other_engine)
    try:
        for factory in (pg, other, pg, other):
            with transaction(factory) as session:
                signin.with_password(session, "lee@example.org", "wrong guess!", None)
        for factory in (pg, other):
            with transaction(factory) as session:
                outcome = signin.with_password(session, "lee@example.org", GOOD, None)
            assert not outcome.ok and outcome.paused_until is not None
    finally:
        other_engine.dispose()
