"""Storage faults: a read-only or full database is named as such, /health says so, and ``ledger serve``
refuses to start on a database it cannot use with one line that says what to fix."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import event

from ledger.api.app import create_app
from ledger.api.database import STATE_KEY, LedgerDatabase
from ledger.api.limits import ServiceLimits
from ledger.cli import serve_cmd

API = "/api/v1"
PROBLEM = "application/problem+json"
PARTICIPANT = {"name": "Jo", "payment_preference": "voucher"}


@pytest.fixture
def read_only_client(db_file: Path, token_on: Callable[..., str]) -> Iterator[tuple[TestClient[Litestar], str]]:
    writable = create_app(f"sqlite:///{db_file}", limits=ServiceLimits.unlimited())
    with TestClient(writable):
        token = token_on(writable)
    # The same file opened read-only, as when its permissions or its file system forbid writing.
    app = create_app(f"sqlite:///file:{db_file}?mode=ro&uri=true", upgrade=False, limits=ServiceLimits.unlimited())
    with TestClient(app) as client:
        yield client, token


def test_health_is_ok_when_the_database_can_be_written(client: TestClient[Litestar]) -> None:
    response = client.get(f"{API}/health")
    assert response.status_code == 200
    assert response.json()["database"] == "writable"


def test_health_reports_a_read_only_database_as_503(read_only_client: tuple[TestClient[Litestar], str]) -> None:
    client, _token = read_only_client
    response = client.get(f"{API}/health")
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["type"].endswith("storage-read-only")
    assert "read-only" in body["detail"] and "writable" in body["detail"]


def test_a_write_to_a_read_only_database_says_so(read_only_client: tuple[TestClient[Litestar], str]) -> None:
    client, token = read_only_client
    assert client.get(f"{API}/participants", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    response = client.post(f"{API}/participants", json=PARTICIPANT, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 503, response.text
    detail = response.json()["detail"]
    assert "read-only" in detail and "shortly" not in detail
    assert "retry-after" not in response.headers


def test_a_write_to_a_full_database_says_so(db_file: Path, token_on: Callable[..., str]) -> None:
    app = create_app(f"sqlite:///{db_file}", limits=ServiceLimits.unlimited())
    database: LedgerDatabase = app.state[STATE_KEY]
    with TestClient(app) as client:
        token = token_on(app)
        database.engine.dispose()

        @event.listens_for(database.engine, "connect")
        def no_room(dbapi_connection: Any, _record: Any) -> None:  # the file may not grow by one more page
            pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
            dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

        headers = {"Authorization": f"Bearer {token}"}
        responses = [client.post(f"{API}/participants", json={**PARTICIPANT, "name": f"Participant {i} " + "x" * 100},
                                 headers=headers) for i in range(200)]
        full = [r for r in responses if r.status_code != 201]
        assert full, "the database never filled up: the test proved nothing"
        assert full[0].status_code == 503, full[0].text
        assert full[0].json()["type"].endswith("storage-full")
        assert "full" in full[0].json()["detail"] and "shortly" not in full[0].json()["detail"]


# ------------------------------------------------------------------------------------------ ledger serve


@pytest.fixture
def cli() -> click.Group:
    group = click.Group("ledger")
    serve_cmd.register(group)
    return group


def one_line_error(result: Any) -> str:
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: ")
    return lines[0]


def test_serve_with_an_unreachable_database_is_one_line(cli: click.Group) -> None:
    result = CliRunner().invoke(cli, ["serve", "--database", "postgresql://ledger@127.0.0.1:1/ledger"])
    line = one_line_error(result)
    assert "could not use the database at postgresql" in line and "--database" in line


def test_serve_with_a_missing_folder_is_one_line(cli: click.Group, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["serve", "--database", f"sqlite:///{tmp_path}/no/such/folder/ledger.db"])
    assert "could not use the database" in one_line_error(result)


def test_serve_with_a_read_only_database_is_one_line(cli: click.Group, db_file: Path) -> None:
    result = CliRunner().invoke(cli, ["serve", "--database", f"sqlite:///file:{db_file}?mode=ro&uri=true"])
    line = one_line_error(result)
    assert "cannot be written" in line and "read-only" in line


def test_serve_with_a_bad_rate_limit_setting_is_one_line(cli: click.Group, db_file: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_RATE_LIMIT_PER_TOKEN", "lots")
    result = CliRunner().invoke(cli, ["serve", "--database", f"sqlite:///{db_file}"])
    assert "LEDGER_RATE_LIMIT_PER_TOKEN" in one_line_error(result)
