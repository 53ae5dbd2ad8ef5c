"""``POST /api/v1/imports``: the multipart upload, its answers, and who may call it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from db_template import ReusedApps  # tests/db_template.py
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select

from ledger.api.app import create_app
from ledger.api.database import STATE_KEY, LedgerDatabase
from ledger.db.engine import transaction
from ledger.db.models import AuditEvent, Record, Role
from ledger.security.tokens import create_token

from .files import csv_bytes, xlsx_bytes

API = "/api/v1"
LOG = [["Project", "Date", "Activity", "Participant", "Time"], ["P1", "07/01/2026", "meeting", "Jo", "1:30"]]


class Api:
    def __init__(self, client: TestClient[Litestar], database: LedgerDatabase) -> None:
        self.client, self.database, self.tokens = client, database, {}

    def token(self, name: str, role: Role, projects: list[int] | None = None) -> None:
        with transaction(self.database.session_factory) as session:
            self.tokens[name] = create_token(session, name, role, projects)[1]

    def upload(self, caller: str | None, data: bytes, *, kind: str = "activities", dry_run: bool | str = False,
               name: str = "log.csv", **form: str) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[caller]}"} if caller else {}
        flag = dry_run if isinstance(dry_run, str) else ("true" if dry_run else "false")
        return self.client.post(f"{API}/imports", headers=headers, files={"file": (name, data, "text/csv")},
                                data={"kind": kind, "dry_run": flag, **form})

    def records(self) -> int:
        with transaction(self.database.session_factory) as session:
            return session.scalar(select(func.count()).select_from(Record)) or 0

    def import_events(self) -> int:
        with transaction(self.database.session_factory) as session:
            return session.scalar(select(func.count()).select_from(AuditEvent)
                                  .where(AuditEvent.action.like("import.%"))) or 0


@pytest.fixture(scope="session")
def _imports_apps(tmp_path_factory: pytest.TempPathFactory) -> ReusedApps:
    return ReusedApps(tmp_path_factory.mktemp("imports_api") / "ledger.db")


@pytest.fixture
def api(_imports_apps: ReusedApps, sqlite_template: Path) -> Iterator[Api]:
    """One app for the module (building one takes about a second), on a fresh copy of the migrated database
    for each test (``ReusedApps.reset``), seeded through the API."""
    _imports_apps.reset(sqlite_template)
    app = _imports_apps.get("imports", create_app)
    with TestClient(app) as client:
        made = Api(client, app.state[STATE_KEY])
        made.token("admin", Role.ADMIN)
        auth = {"Authorization": f"Bearer {made.tokens['admin']}"}
        p1 = client.post(f"{API}/projects", json={"code": "P1", "name": "One", "rate_card": "nihr-style"},
                         headers=auth).json()["id"]
        p2 = client.post(f"{API}/projects", json={"code": "P2", "name": "Two", "rate_card": "nihr-style"},
                         headers=auth).json()["id"]
        client.post(f"{API}/participants", json={"name": "Jo", "payment_preference": "voucher", "projects": [p1]},
                    headers=auth)
        made.token("lead", Role.LEAD, [p1])
        made.token("lead_elsewhere", Role.LEAD, [p2])
        made.token("finance", Role.FINANCE)
        made.token("auditor", Role.AUDITOR)
        yield made


def test_a_dry_run_answers_200_with_the_report_and_saves_nothing(api: Api) -> None:
    response = api.upload("lead", csv_bytes(LOG), dry_run=True)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["dry_run"] is True and report["saved"] is False and report["problems"] == []
    assert report["added"]["records"] == 1 and report["added_rows"] == [[2, 2]]
    assert api.records() == 0 and api.import_events() == 0


def test_a_real_run_answers_201_and_the_same_file_again_adds_nothing(api: Api) -> None:
    book = xlsx_bytes(LOG)
    first = api.upload("lead", book, name="log.xlsx")
    assert first.status_code == 201, first.text
    assert first.json()["saved"] is True and first.json()["file_format"] == "xlsx"
    assert api.records() == 1 and api.import_events() == 1
    again = api.upload("lead", book, name="log.xlsx")
    assert again.status_code == 201 and again.json()["already_there"][0]["row"] == 2
    assert api.records() == 1 and api.import_events() == 1


def test_a_real_run_with_a_problem_is_a_422_problem_naming_row_and_column(api: Api) -> None:
    rows = [*LOG, ["P1", "08/01/2026", "meeting", "Nobody", "1:30"]]
    response = api.upload("admin", csv_bytes(rows))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 422 and body["title"] == "Nothing was imported"
    assert body["errors"][0]["field"] == "row 3, column D (Participant)"
    assert body["report"]["problems"][0]["what_to_do"]
    assert api.records() == 0, "the good row was not kept either"


def test_who_may_import(api: Api) -> None:
    for caller, status in (("finance", 403), ("auditor", 403), (None, 401)):
        refused = api.upload(caller, csv_bytes(LOG))
        assert refused.status_code == status, (caller, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
    elsewhere = api.upload("lead_elsewhere", csv_bytes(LOG))
    assert elsewhere.status_code == 422
    assert "you may not import into project P1" in elsewhere.json()["errors"][0]["message"]
    assert api.records() == 0


def test_bad_forms_are_4xx(api: Api) -> None:
    wrong_kind = api.upload("admin", csv_bytes(LOG), kind="payments")
    assert wrong_kind.status_code == 422 and wrong_kind.json()["errors"][0]["field"] == "kind", wrong_kind.text
    empty = api.upload("admin", b"", dry_run=True)
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "file", empty.text
    maybe = api.upload("admin", csv_bytes(LOG), dry_run="maybe")
    assert maybe.status_code == 422 and maybe.json()["errors"][0]["field"] == "dry_run", maybe.text
    assert api.records() == 0
    garbage = api.upload("admin", b"PK\x03\x04garbage", dry_run=True)
    assert garbage.status_code == 200 and "could not be opened" in garbage.json()["problems"][0]["message"]


def test_every_missing_form_field_is_named(api: Api) -> None:
    headers = {"Authorization": f"Bearer {api.tokens['admin']}"}
    no_kind = api.client.post(f"{API}/imports", headers=headers,
                              files={"file": ("log.csv", csv_bytes(LOG), "text/csv")})
    assert no_kind.status_code == 422 and [e["field"] for e in no_kind.json()["errors"]] == ["kind"], no_kind.text
    no_file = api.client.post(f"{API}/imports", headers=headers, files={"kind": (None, b"activities")})
    assert no_file.status_code == 422 and [e["field"] for e in no_file.json()["errors"]] == ["file"], no_file.text
    assert "the request needs a JSON body" not in no_file.text
    assert api.records() == 0


def test_a_form_the_framework_cannot_read_is_a_4xx_in_words(api: Api) -> None:
    """A text part that is not UTF-8 (a file sent without a file name) once crashed the form reader."""
    boundary = "b0undary"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nactivities\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"\r\n\r\n').encode() + b"\xff\xfe\r\n" + \
        f"--{boundary}--\r\n".encode()
    headers = {"Authorization": f"Bearer {api.tokens['admin']}",
               "Content-Type": f"multipart/form-data; boundary={boundary}"}
    refused = api.client.post(f"{API}/imports", content=body, headers=headers)
    assert refused.status_code == 400, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "sent as a file" in refused.json()["detail"]
    assert api.records() == 0
