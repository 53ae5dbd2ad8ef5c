"""``ledger serve --workers N``: several processes, nothing shared only in one process's memory.

Rate-limit counts live in the database store (``ledger.api.shared_store``) when there is more than one
worker: two apps built the way each worker builds its own (``worker_app``) count one token's requests
together, so alternating between them does not double the limit. SQLite refuses ``--workers``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from litestar.testing import TestClient
from private_pg import private_postgres

from ledger.api.shared_store import DatabaseStore
from ledger.cli import main
from ledger.cli.serve_cmd import WORKERS_ENV, worker_app
from ledger.db.engine import make_engine, make_session_factory, transaction
from ledger.db.migrate import upgrade
from ledger.security.tokens import create_token


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        found = f"sqlite:///{tmp_path / 'ledger.db'}"
        engine = make_engine(found)
        upgrade(engine)
        engine.dispose()
        yield found
        return
    with private_postgres("ledger_workers", migrate=True) as found:
        yield found


def test_sqlite_refuses_several_workers(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["serve", "--workers", "2", "--database", f"sqlite:///{tmp_path / 'l.db'}"])
    assert result.exit_code == 1
    assert result.output.startswith("error: --workers 2 needs PostgreSQL") and "Traceback" not in result.output
    assert CliRunner().invoke(main, ["serve", "--workers", "0"]).exit_code == 2


@pytest.mark.postgres
def test_serve_starts_uvicorn_with_one_app_per_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append({"app": app, **kwargs}))
    monkeypatch.setenv(WORKERS_ENV, "1")
    with private_postgres("ledger_workers") as found:
        result = CliRunner().invoke(main, ["serve", "--workers", "2", "--no-worker", "--database", found])
        assert result.exit_code == 0, result.output
        assert len(calls) == 1
        started = {key: calls[0].get(key) for key in ("app", "factory", "host", "port", "workers")}
        assert started == {"app": "ledger.cli.serve_cmd:worker_app", "factory": True, "host": "127.0.0.1",
                           "port": 8000, "workers": 2}
        assert "2 server processes" in result.output
        app = worker_app()  # what each worker process builds, with the environment the command set
        assert isinstance(app.stores.get("rate_limit"), DatabaseStore)


def test_the_store_keeps_values_for_every_process(url: str) -> None:
    one, other = DatabaseStore(make_engine(url)), DatabaseStore(make_engine(url))  # two workers' stores

    async def scenario() -> None:
        await one.set("count", b"1", expires_in=60)
        assert await other.get("count") == b"1" and await other.exists("count")
        remaining = await other.expires_in("count")
        assert remaining is not None and 55 <= remaining <= 60
        await other.set("count", "2", expires_in=timedelta(seconds=60))
        assert await one.get("count") == b"2"
        await one.set("gone", b"x", expires_in=-1)  # already expired: never returned
        assert await other.get("gone") is None and not await other.exists("gone")
        await one.set("forever", b"y")
        assert await other.expires_in("forever") is None
        await other.delete("count")
        assert await one.get("count") is None
        await one.delete_all()
        assert await other.get("forever") is None

    asyncio.run(scenario())


def test_two_workers_share_one_tokens_rate_limit(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        _, secret = create_token(session, "Limits", "auditor")
    engine.dispose()
    monkeypatch.setenv("LEDGER_DATABASE_URL", url)
    monkeypatch.setenv(WORKERS_ENV, "2")
    monkeypatch.setenv("LEDGER_RATE_LIMIT_PER_TOKEN", "3/minute")
    headers = {"Authorization": f"Bearer {secret}"}
    with TestClient(worker_app()) as first, TestClient(worker_app()) as second:
        answers = [client.get("/api/v1/projects", headers=headers).status_code
                   for client in (first, second, first, second)]
    assert answers == [200, 200, 200, 429]  # alone, each process would have allowed 3 of its own
